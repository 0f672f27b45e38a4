import MarqueeCrypto

/// Settings of sign-up, login and tokens.
public struct UsersConfig: Sendable {
    public var signer: TokenSigner
    public var hasher = PasswordHasher()
    /// Failed or not, login attempts allowed per minute for one email, and for one client address.
    public var loginAttemptsPerEmail = 5
    public var loginAttemptsPerAddress = 30

    /// Serialises hashing per shard (see HashingQueues).
    public var hashing: HashingQueues

    public init(signer: TokenSigner, shards: Int = 64) {
        self.signer = signer
        hashing = HashingQueues(shards: shards)
    }
}
