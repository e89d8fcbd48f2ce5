/** An input the action cannot take, said by the part that knows why (a backend, a builder). */
export interface InputRefusal {
  input: string
  reason: string
}

/** Fails the step with one line naming the input, before anything runs. */
export class InputError extends Error {
  static refusing({ input, reason }: InputRefusal): InputError {
    return new InputError(`Input "${input}": ${reason}`)
  }
}
