import { Migration } from '@mikro-orm/migrations';

export class Migration20261122014905 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`device_credentials\` (\`id\` varchar(36) not null, \`locker_id\` varchar(36) not null, \`key_hash\` varchar(64) not null, \`created_at\` datetime(3) not null, \`revoked_at\` datetime(3) null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`device_credentials\` add index \`device_credentials_locker_id_index\`(\`locker_id\`);`);
    this.addSql(`alter table \`device_credentials\` add unique \`device_credentials_key_hash_unique\`(\`key_hash\`);`);

    this.addSql(`create table \`inbox_events\` (\`id\` varchar(36) not null, \`type\` varchar(100) not null, \`handled_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);

    this.addSql(`create table \`locker_commands\` (\`id\` varchar(36) not null, \`locker_id\` varchar(36) not null, \`type\` enum('OPEN') not null, \`compartment_index\` int not null, \`purpose\` enum('PICKUP', 'STAFF') not null, \`actor_id\` varchar(36) null, \`reservation_id\` varchar(36) null, \`credential_id\` varchar(36) null, \`status\` enum('PENDING', 'SUCCEEDED', 'REFUSED', 'TIMED_OUT') not null, \`device_error\` varchar(100) null, \`expires_at\` datetime(3) not null, \`created_at\` datetime(3) not null, \`settled_at\` datetime(3) null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`locker_commands\` add index \`locker_commands_locker_id_status_index\`(\`locker_id\`, \`status\`);`);

    this.addSql(`create table \`outbox_events\` (\`id\` varchar(36) not null, \`type\` varchar(100) not null, \`key\` varchar(100) not null, \`envelope\` text not null, \`created_at\` datetime(3) not null, \`published_at\` datetime(3) null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`outbox_events\` add index \`outbox_events_published_at_index\`(\`published_at\`);`);

    this.addSql(`create table \`pickup_credentials\` (\`id\` varchar(36) not null, \`reservation_id\` varchar(36) not null, \`locker_id\` varchar(36) not null, \`pin_hash\` varchar(64) not null, \`qr_token_hash\` varchar(64) not null, \`sealed\` text null, \`expires_at\` datetime(3) not null, \`used_at\` datetime(3) null, \`revoked_at\` datetime(3) null, \`created_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`pickup_credentials\` add index \`pickup_credentials_reservation_id_index\`(\`reservation_id\`);`);
    this.addSql(`alter table \`pickup_credentials\` add unique \`pickup_credentials_qr_token_hash_unique\`(\`qr_token_hash\`);`);
    this.addSql(`alter table \`pickup_credentials\` add index \`pickup_credentials_locker_id_pin_hash_index\`(\`locker_id\`, \`pin_hash\`);`);

    this.addSql(`create table \`reservations\` (\`id\` varchar(36) not null, \`locker_id\` varchar(36) not null, \`compartment_id\` varchar(36) not null, \`compartment_index\` int not null, \`order_id\` varchar(36) null, \`room_id\` varchar(36) null, \`recipient_id\` varchar(36) null, \`status\` enum('ACTIVE', 'DEPOSITED', 'PICKED_UP', 'RELEASED') not null, \`expires_at\` datetime(3) not null, \`created_at\` datetime(3) not null, \`deposited_at\` datetime(3) null, \`opened_by\` varchar(36) null, \`opened_at\` datetime(3) null, \`picked_up_by\` varchar(36) null, \`picked_up_at\` datetime(3) null, \`released_at\` datetime(3) null, \`release_reason\` enum('ORDER_CANCELLED', 'ROOM_CLOSED', 'EXPIRED') null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`reservations\` add index \`reservations_locker_id_index\`(\`locker_id\`);`);
    this.addSql(`alter table \`reservations\` add unique \`reservations_order_id_unique\`(\`order_id\`);`);
    this.addSql(`alter table \`reservations\` add index \`reservations_room_id_index\`(\`room_id\`);`);
    this.addSql(`alter table \`reservations\` add index \`reservations_recipient_id_index\`(\`recipient_id\`);`);
    this.addSql(`alter table \`reservations\` add index \`reservations_status_expires_at_index\`(\`status\`, \`expires_at\`);`);
    this.addSql(`alter table \`reservations\` add index \`reservations_compartment_id_status_index\`(\`compartment_id\`, \`status\`);`);

    this.addSql(`alter table \`compartments\` add \`observed_at\` datetime(3) null;`);

    this.addSql(`alter table \`lockers\` add \`reported_at\` datetime(3) null, add \`state_at\` datetime(3) null, add \`revision\` int not null default 0;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`device_credentials\`;`);

    this.addSql(`drop table if exists \`inbox_events\`;`);

    this.addSql(`drop table if exists \`locker_commands\`;`);

    this.addSql(`drop table if exists \`outbox_events\`;`);

    this.addSql(`drop table if exists \`pickup_credentials\`;`);

    this.addSql(`drop table if exists \`reservations\`;`);

    this.addSql(`alter table \`compartments\` drop column \`observed_at\`;`);

    this.addSql(`alter table \`lockers\` drop column \`reported_at\`, drop column \`state_at\`, drop column \`revision\`;`);
  }

}
