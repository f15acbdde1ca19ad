import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { UserResolver } from '../../lib/index.js';
import { User } from './user.entity.js';

/** The application's users, and Kronos' resolver for tasks queued on their behalf. */
@Injectable()
export class UsersService implements UserResolver<User> {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  /** Kronos calls this to turn a task's `runAs` id into `ctx.user`. */
  resolveUser(userId: string): Promise<User | null> {
    return this.users.findOneBy({ id: Number(userId) });
  }

  async ensureDemoUsers(): Promise<User[]> {
    if ((await this.users.count()) === 0)
      await this.users.save([{ name: 'ada' }, { name: 'grace' }, { name: 'linus' }]);
    return this.users.find();
  }
}
