import MarqueeLoop

/// A provider that holds handles on a loop (the Stripe provider's
/// connections): its shard closes them when it finishes, so the loop
/// closes with nothing left open.
public protocol ClosingPaymentProvider: PaymentProvider {
    func close(on loop: EventLoop, _ done: @escaping () -> Void)
}
