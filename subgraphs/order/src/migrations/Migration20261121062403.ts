import { Migration } from '@mikro-orm/migrations';

export class Migration20261121062403 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`firms\` (\`id\` varchar(36) not null, \`name\` varchar(50) not null, \`type\` enum('SUPPLIER', 'RECEIVER') not null, \`hub_id\` varchar(36) not null, \`address\` varchar(200) not null, \`created_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`firms\` add index \`firms_hub_id_index\`(\`hub_id\`);`);

    this.addSql(`create table \`products\` (\`id\` varchar(36) not null, \`firm_id\` varchar(36) not null, \`name\` varchar(100) not null, \`stock\` int unsigned not null, \`price\` int unsigned not null, \`created_at\` datetime(3) not null, \`updated_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`products\` add index \`products_firm_id_index\`(\`firm_id\`);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`firms\`;`);

    this.addSql(`drop table if exists \`products\`;`);
  }

}
