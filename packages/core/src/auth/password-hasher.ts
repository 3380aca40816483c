/** Turns passwords into stored hashes and checks them. The Node entry point provides scrypt. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** True when the password matches; compares in constant time. */
  verify(password: string, stored: string): Promise<boolean>;
}
