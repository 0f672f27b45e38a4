import MarqueeCrypto

/// Settings of sign-up, login and tokens.
public struct UsersConfig: Sendable {
    public var signer: TokenSigner
    public var hasher = PasswordHasher()
    /// Failed or not, login attempts allowed per minute: from one client
    /// address; for one email from one address; for one email from all
    /// addresses together (a ceiling above what one address can add to
    /// it, so one address cannot lock an account out; see RateLimit).
    public var loginAttemptsPerAddress = 30
    public var loginAttemptsPerEmailAndAddress = 5
    public var loginAttemptsPerEmail = 50

    /// Sign-ups allowed per minute from one client address.
    public var signUpsPerAddress = 20
    /// Hashes that may wait per shard, for logins and for sign-ups apart;
    /// past either, 503 at once (see HashingQueues).
    public var maxQueuedLogins = 64
    public var maxQueuedSignUps = 8

    /// Serialises hashing per shard (see HashingQueues).
    public var hashing: HashingQueues

    public init(signer: TokenSigner, shards: Int = 64) {
        self.signer = signer
        hashing = HashingQueues(shards: shards)
    }
}
