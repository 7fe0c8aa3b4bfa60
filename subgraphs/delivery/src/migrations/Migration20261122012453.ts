import { Migration } from '@mikro-orm/migrations';

export class Migration20261122012453 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`assignment_cursors\` (\`id\` varchar(36) not null, \`hub_id\` varchar(36) not null, \`kind\` enum('HUB', 'FIRM') not null, \`last_sequence\` int null, \`updated_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`assignment_cursors\` add unique \`assignment_cursors_hub_id_kind_unique\`(\`hub_id\`, \`kind\`);`);

    this.addSql(`create table \`deliveries\` (\`id\` varchar(36) not null, \`order_id\` varchar(36) not null, \`status\` enum('WAITING_FOR_HUB', 'MOVING_TO_HUB', 'ARRIVED_DESTINATION_HUB', 'MOVING_TO_FIRM', 'FIRM_DELIVERY_IN_PROGRESS', 'DELIVERY_COMPLETED', 'DELIVERY_CANCELLED') not null, \`supplier_hub_id\` varchar(36) not null, \`receiver_hub_id\` varchar(36) not null, \`supplier_firm_id\` varchar(36) null, \`destination_kind\` enum('FIRM', 'LOCKER') not null, \`receiver_firm_id\` varchar(36) null, \`receiver_name\` varchar(200) null, \`receiver_address\` varchar(500) null, \`locker_id\` varchar(36) null, \`reservation_id\` varchar(36) null, \`compartment_index\` int null, \`product_name\` varchar(200) not null, \`quantity\` int not null, \`request_note\` text null, \`order_created_at\` datetime(3) not null, \`expected_duration_seconds\` int not null, \`total_distance_meters\` int not null, \`dispatch_deadline\` datetime(3) not null, \`created_at\` datetime(3) not null, \`updated_at\` datetime(3) not null, \`started_at\` datetime(3) null, \`completed_at\` datetime(3) null, \`cancelled_at\` datetime(3) null, \`cancel_reason\` enum('ORDER_CANCELLED', 'MANUAL') null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`deliveries\` add unique \`deliveries_order_id_unique\`(\`order_id\`);`);

    this.addSql(`create table \`delivery_legs\` (\`id\` varchar(36) not null, \`delivery_id\` varchar(36) not null, \`sequence\` int not null, \`kind\` enum('HUB', 'LAST_MILE') not null, \`status\` enum('WAITING_FOR_HUB', 'MOVING_TO_HUB', 'ARRIVED_DESTINATION_HUB', 'MOVING_TO_FIRM', 'FIRM_DELIVERY_IN_PROGRESS', 'DELIVERY_COMPLETED', 'DELIVERY_CANCELLED') not null, \`from_hub_id\` varchar(36) not null, \`from_hub_name\` varchar(100) not null, \`from_hub_address\` varchar(300) not null, \`to_hub_id\` varchar(36) null, \`to_hub_name\` varchar(100) null, \`to_hub_address\` varchar(300) null, \`duration_seconds\` int null, \`distance_meters\` int null, \`eta_source\` varchar(20) null, \`manager_id\` varchar(36) null, \`created_at\` datetime(3) not null, \`updated_at\` datetime(3) not null, \`started_at\` datetime(3) null, \`finished_at\` datetime(3) null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`delivery_legs\` add index \`delivery_legs_manager_id_index\`(\`manager_id\`);`);
    this.addSql(`alter table \`delivery_legs\` add index \`delivery_legs_from_hub_id_kind_manager_id_index\`(\`from_hub_id\`, \`kind\`, \`manager_id\`);`);
    this.addSql(`alter table \`delivery_legs\` add unique \`delivery_legs_delivery_id_sequence_unique\`(\`delivery_id\`, \`sequence\`);`);

    this.addSql(`create table \`dispatch_notices\` (\`delivery_id\` varchar(36) not null, \`status\` enum('SENDING', 'SENT', 'FAILED', 'SKIPPED') not null, \`attempts\` int not null, \`last_error\` varchar(500) null, \`created_at\` datetime(3) not null, \`sent_at\` datetime(3) null, primary key (\`delivery_id\`)) default character set utf8mb4 engine = InnoDB;`);

    this.addSql(`create table \`inbox_events\` (\`id\` varchar(36) not null, \`type\` varchar(100) not null, \`handled_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);

    this.addSql(`create table \`order_records\` (\`order_id\` varchar(36) not null, \`delivery_id\` varchar(36) null, \`cancelled_at\` datetime(3) null, \`cancel_reason\` varchar(40) null, \`reservation_id\` varchar(36) null, \`locker_id\` varchar(36) null, \`compartment_index\` int null, \`created_at\` datetime(3) not null, \`updated_at\` datetime(3) not null, primary key (\`order_id\`)) default character set utf8mb4 engine = InnoDB;`);

    this.addSql(`create table \`outbox_events\` (\`id\` varchar(36) not null, \`type\` varchar(100) not null, \`key\` varchar(100) not null, \`envelope\` text not null, \`created_at\` datetime(3) not null, \`published_at\` datetime(3) null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`outbox_events\` add index \`outbox_events_published_at_index\`(\`published_at\`);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`assignment_cursors\`;`);

    this.addSql(`drop table if exists \`deliveries\`;`);

    this.addSql(`drop table if exists \`delivery_legs\`;`);

    this.addSql(`drop table if exists \`dispatch_notices\`;`);

    this.addSql(`drop table if exists \`inbox_events\`;`);

    this.addSql(`drop table if exists \`order_records\`;`);

    this.addSql(`drop table if exists \`outbox_events\`;`);
  }

}
