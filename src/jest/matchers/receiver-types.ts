/** Used in place of a matcher whose receiver is of the wrong type: calling it does not compile. */
export interface WrongReceiver<Expected extends string> {
  readonly __faultlineExpectedReceiver: Expected;
}

export type On<T, Receiver, M, Expected extends string> = [T] extends [never] ? M : unknown extends T ? M : T extends Receiver ? M : WrongReceiver<Expected>;
