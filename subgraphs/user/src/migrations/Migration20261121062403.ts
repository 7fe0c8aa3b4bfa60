import { Migration } from '@mikro-orm/migrations';

export class Migration20261121062403 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`users\` (\`id\` varchar(36) not null, \`username\` varchar(20) not null, \`password_hash\` varchar(255) not null, \`name\` varchar(60) not null, \`role\` enum('MASTER', 'HUB_MANAGER', 'DELIVERY_MANAGER', 'FIRM_MANAGER', 'MEMBER') not null, \`status\` enum('ACTIVE', 'DISABLED') not null, \`requested_role\` enum('MASTER', 'HUB_MANAGER', 'DELIVERY_MANAGER', 'FIRM_MANAGER', 'MEMBER') null, \`hub_id\` varchar(36) null, \`firm_id\` varchar(36) null, \`created_at\` datetime(3) not null, \`updated_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`users\` add unique \`users_username_unique\`(\`username\`);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`users\`;`);
  }

}
