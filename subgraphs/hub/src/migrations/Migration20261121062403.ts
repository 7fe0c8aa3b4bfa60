import { Migration } from '@mikro-orm/migrations';

export class Migration20261121062403 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`hubs\` (\`id\` varchar(36) not null, \`seq\` int not null, \`name\` varchar(40) not null, \`address\` varchar(200) not null, \`postal_code\` varchar(10) not null, \`latitude\` double not null, \`longitude\` double not null, \`central\` tinyint(1) not null, \`created_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`hubs\` add unique \`hubs_name_unique\`(\`name\`);`);

    this.addSql(`create table \`hub_links\` (\`id\` varchar(36) not null, \`from_hub_id\` varchar(36) not null, \`to_hub_id\` varchar(36) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`hub_links\` add index \`hub_links_from_hub_id_index\`(\`from_hub_id\`);`);
    this.addSql(`alter table \`hub_links\` add index \`hub_links_to_hub_id_index\`(\`to_hub_id\`);`);
    this.addSql(`alter table \`hub_links\` add unique \`hub_links_from_hub_id_to_hub_id_unique\`(\`from_hub_id\`, \`to_hub_id\`);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`hubs\`;`);

    this.addSql(`drop table if exists \`hub_links\`;`);
  }

}
