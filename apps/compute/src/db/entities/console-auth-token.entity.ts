import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A serial console token (Nova's console_auth_tokens): the API stores the sha256 of the token it
 * hands out, never the token; the console proxy consumes it once (`used`) before `expiresAt`.
 */
@Entity('console_auth_token')
export class ConsoleAuthTokenEntity {
  @PrimaryGeneratedColumn({ type: 'int' }) id!: number;
  /** Hex sha256 of the token. */
  @Column({ type: 'char', length: 64 }) tokenHash!: string;
  /** `serial` (the only console Kumo has). */
  @Column({ type: 'varchar', length: 32 }) consoleType!: string;
  @Column({ type: 'char', length: 36 }) instanceUuid!: string;
  /** The compute host the instance ran on when the token was made (the agent the proxy asks). */
  @Column({ type: 'varchar', length: 255 }) host!: string;
  /** The request that made the token, so one console's log lines lead back to the API call. */
  @Column({ type: 'varchar', length: 64, nullable: true }) requestId!: string | null;
  @Column({
    type: 'tinyint',
    default: 0,
    transformer: { to: (v: boolean) => (v ? 1 : 0), from: (v: number) => v === 1 },
  })
  used!: boolean;
  @Column({ type: 'datetime', precision: 6, nullable: true }) usedAt!: Date | null;
  @Column({ type: 'datetime', precision: 6 }) expiresAt!: Date;
  @Column({ type: 'datetime', precision: 6, insert: false, update: false }) createdAt!: Date;
}
