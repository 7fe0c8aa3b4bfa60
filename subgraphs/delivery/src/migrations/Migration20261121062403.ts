import { Migration } from '@mikro-orm/migrations';

export class Migration20261121062403 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`delivery_managers\` (\`id\` varchar(36) not null, \`user_id\` varchar(36) not null, \`hub_id\` varchar(36) not null, \`kind\` enum('HUB', 'FIRM') not null, \`sequence\` int not null, \`available\` tinyint(1) not null default true, \`created_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`delivery_managers\` add unique \`delivery_managers_user_id_unique\`(\`user_id\`);`);
    this.addSql(`alter table \`delivery_managers\` add index \`delivery_managers_hub_id_index\`(\`hub_id\`);`);
    this.addSql(`alter table \`delivery_managers\` add unique \`delivery_managers_hub_id_kind_sequence_unique\`(\`hub_id\`, \`kind\`, \`sequence\`);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`delivery_managers\`;`);
  }

}
