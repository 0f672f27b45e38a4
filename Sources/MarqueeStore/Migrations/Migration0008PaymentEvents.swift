extension Migration {
    /// Payments after the checkout's answer: an attempt may wait for the
    /// buyer's 3-D Secure (`requires_action`, its intent recorded), and the
    /// provider's webhook events are processed once each, by id. A webhook
    /// about a capture or a refund names only the intent: bookings are found
    /// by it (set once, at the booking's insert, so the index costs no
    /// update), and their payment attempts through them by primary key.
    static let m0008PaymentEvents = Migration(version: 8, name: "payment events", sql: #"""
    ALTER TABLE payments DROP CONSTRAINT payments_status_check;
    ALTER TABLE payments ADD CONSTRAINT payments_status_check
        CHECK (status IN ('authorizing', 'requires_action', 'authorized', 'declined', 'failed',
                          'captured', 'cancelled', 'refunded', 'unknown'));
    CREATE INDEX bookings_intent ON bookings (payment_intent);

    CREATE TABLE payment_webhook_events (
        event_id     text PRIMARY KEY,
        type         text NOT NULL,
        intent_id    text,
        received_at  timestamptz NOT NULL DEFAULT now()
    );
    """#)
}
