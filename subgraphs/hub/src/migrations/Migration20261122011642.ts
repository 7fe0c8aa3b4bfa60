import { Migration } from '@mikro-orm/migrations';

export class Migration20261122011642 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`inbox_events\` (\`id\` varchar(36) not null, \`type\` varchar(100) not null, \`handled_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);

    this.addSql(`create table \`outbox_events\` (\`id\` varchar(36) not null, \`type\` varchar(100) not null, \`key\` varchar(100) not null, \`envelope\` text not null, \`created_at\` datetime(3) not null, \`published_at\` datetime(3) null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`outbox_events\` add index \`outbox_events_published_at_index\`(\`published_at\`);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`inbox_events\`;`);

    this.addSql(`drop table if exists \`outbox_events\`;`);
  }

}
