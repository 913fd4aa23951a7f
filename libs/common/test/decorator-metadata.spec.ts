import 'reflect-metadata';
import { Injectable } from '@nestjs/common';

@Injectable()
class Dep {}

@Injectable()
class Needs {
  constructor(readonly dep: Dep) {}
}

describe('decorator metadata', () => {
  it('is emitted by the compiler the tests use (NestJS injection depends on it)', () => {
    expect(Reflect.getMetadata('design:paramtypes', Needs)).toEqual([Dep]);
  });
});
