import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('sample_user')
export class User {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  name!: string;
}
