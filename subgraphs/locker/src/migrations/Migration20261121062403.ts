import { Migration } from '@mikro-orm/migrations';

export class Migration20261121062403 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`compartments\` (\`id\` varchar(36) not null, \`locker_id\` varchar(36) not null, \`index\` int not null, \`door_open\` tinyint(1) not null default false, \`occupied\` tinyint(1) not null default false, \`reserved\` tinyint(1) not null default false, \`fault\` varchar(200) null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`compartments\` add index \`compartments_locker_id_index\`(\`locker_id\`);`);
    this.addSql(`alter table \`compartments\` add unique \`compartments_locker_id_index_unique\`(\`locker_id\`, \`index\`);`);

    this.addSql(`create table \`lockers\` (\`id\` varchar(36) not null, \`hub_id\` varchar(36) not null, \`name\` varchar(60) not null, \`address\` varchar(200) not null, \`online\` tinyint(1) not null default false, \`last_seen_at\` datetime(3) null, \`created_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`lockers\` add index \`lockers_hub_id_index\`(\`hub_id\`);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`compartments\`;`);

    this.addSql(`drop table if exists \`lockers\`;`);
  }

}
