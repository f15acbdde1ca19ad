import { Injectable } from '@nestjs/common';
import type { UserResolver } from 'nestjs-kronos';

export interface User {
  id: number;
  name: string;
}

/** The application's users. Kronos asks it who a task queued with `runAs` runs as. */
@Injectable()
export class UsersService implements UserResolver<User> {
  private readonly users: User[] = [
    { id: 42, name: 'Ada' },
    { id: 7, name: 'Grace' },
  ];

  resolveUser(userId: string): User | undefined {
    return this.users.find((user) => String(user.id) === String(userId));
  }
}
