/// Size limits the parser enforces; each has the status the RFCs give it.
public struct HTTPLimits: Sendable, Equatable {
    /// Request line plus header fields, in bytes (431 past it).
    public var maxHeadBytes: Int
    /// Header fields per request (431 past it).
    public var maxHeaderCount: Int
    /// Decoded body bytes (413 past it).
    public var maxBodyBytes: Int

    public init(maxHeadBytes: Int = 16 * 1024, maxHeaderCount: Int = 100, maxBodyBytes: Int = 1024 * 1024) {
        self.maxHeadBytes = maxHeadBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }
}
