import { Migration } from '@mikro-orm/migrations';

export class Migration20261122011551 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`order_idempotency_keys\` (\`id\` varchar(36) not null, \`user_id\` varchar(36) not null, \`key_hash\` varchar(64) not null, \`request_hash\` varchar(64) not null, \`order_id\` varchar(36) not null, \`created_at\` datetime(3) not null, \`expires_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`order_idempotency_keys\` add index \`order_idempotency_keys_expires_at_index\`(\`expires_at\`);`);
    this.addSql(`alter table \`order_idempotency_keys\` add unique \`order_idempotency_keys_user_key_unique\`(\`user_id\`, \`key_hash\`);`);

    this.addSql(`create table \`inbox_events\` (\`id\` varchar(36) not null, \`type\` varchar(100) not null, \`handled_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);

    this.addSql(`create table \`orders\` (\`id\` varchar(36) not null, \`product_id\` varchar(36) not null, \`product_name\` varchar(100) not null, \`unit_price\` int unsigned not null, \`quantity\` int unsigned not null, \`supplier_firm_id\` varchar(36) not null, \`supplier_hub_id\` varchar(36) not null, \`receiver_firm_id\` varchar(36) null, \`locker_id\` varchar(36) null, \`receiver_hub_id\` varchar(36) not null, \`request_note\` varchar(500) null, \`status\` enum('CREATED', 'PROCESSING', 'IN_TRANSIT', 'COMPLETED', 'CANCELLED') not null, \`cancel_reason\` enum('USER', 'NO_ROUTE', 'NO_COMPARTMENT', 'DELIVERY_CANCELLED') null, \`cancelled_by\` varchar(36) null, \`cancelled_at\` datetime(3) null, \`created_by\` varchar(36) not null, \`created_at\` datetime(3) not null, \`updated_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`orders\` add index \`orders_product_id_index\`(\`product_id\`);`);
    this.addSql(`alter table \`orders\` add index \`orders_supplier_firm_id_index\`(\`supplier_firm_id\`);`);
    this.addSql(`alter table \`orders\` add index \`orders_supplier_hub_id_index\`(\`supplier_hub_id\`);`);
    this.addSql(`alter table \`orders\` add index \`orders_receiver_firm_id_index\`(\`receiver_firm_id\`);`);
    this.addSql(`alter table \`orders\` add index \`orders_receiver_hub_id_index\`(\`receiver_hub_id\`);`);

    this.addSql(`create table \`outbox_events\` (\`id\` varchar(36) not null, \`type\` varchar(100) not null, \`key\` varchar(100) not null, \`envelope\` text not null, \`created_at\` datetime(3) not null, \`published_at\` datetime(3) null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`outbox_events\` add index \`outbox_events_published_at_index\`(\`published_at\`);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`order_idempotency_keys\`;`);

    this.addSql(`drop table if exists \`inbox_events\`;`);

    this.addSql(`drop table if exists \`orders\`;`);

    this.addSql(`drop table if exists \`outbox_events\`;`);
  }

}
