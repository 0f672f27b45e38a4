extension Migration {
    /// The seat store's durable side: holds (write-behind copies), checkout
    /// payments, bookings with their seats, admin seat blocks, and
    /// idempotency keys. Seats are indices into the auditorium layout's
    /// seat-map order (see SeatLayout.seats); labels are stored beside them
    /// for readers that do not decode layouts.
    static let m0004Seats = Migration(version: 4, name: "seats", sql: #"""
    CREATE TABLE holds (
        showtime_id  bigint NOT NULL REFERENCES showtimes (id),
        hold_no      integer NOT NULL CHECK (hold_no > 0),
        user_id      bigint NOT NULL REFERENCES users (id),
        seats        integer[] NOT NULL,
        expires_at   timestamptz NOT NULL,
        status       text NOT NULL CHECK (status IN ('live', 'released', 'expired', 'booked', 'replaced')),
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (showtime_id, hold_no)
    );
    CREATE INDEX holds_live ON holds (showtime_id) WHERE status = 'live';

    -- One row per checkout attempt, committed before the provider is called,
    -- so a crash mid-payment leaves a record to reconcile.
    CREATE TABLE payments (
        showtime_id     bigint NOT NULL,
        hold_no         integer NOT NULL,
        attempt         integer NOT NULL CHECK (attempt > 0),
        user_id         bigint NOT NULL REFERENCES users (id),
        amount_cents    integer NOT NULL CHECK (amount_cents >= 0),
        currency        text NOT NULL,
        payment_method  text NOT NULL,
        intent_id       text,
        status          text NOT NULL CHECK (status IN ('authorizing', 'authorized', 'declined', 'failed',
                                                        'captured', 'cancelled', 'refunded', 'unknown')),
        error_code      text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (showtime_id, hold_no, attempt),
        FOREIGN KEY (showtime_id, hold_no) REFERENCES holds (showtime_id, hold_no) DEFERRABLE INITIALLY DEFERRED
    );
    CREATE INDEX payments_unsettled ON payments (showtime_id) WHERE status IN ('authorizing', 'authorized', 'unknown');

    CREATE TABLE bookings (
        showtime_id     bigint NOT NULL REFERENCES showtimes (id),
        booking_no      integer NOT NULL CHECK (booking_no > 0),
        user_id         bigint NOT NULL REFERENCES users (id),
        seats           integer[] NOT NULL,
        seat_labels     text[] NOT NULL,
        total_cents     integer NOT NULL CHECK (total_cents >= 0),
        currency        text NOT NULL,
        payment_intent  text NOT NULL,
        payment_status  text NOT NULL CHECK (payment_status IN ('authorized', 'captured', 'refunded', 'refund_failed', 'capture_failed')),
        status          text NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
        created_at      timestamptz NOT NULL DEFAULT now(),
        cancelled_at    timestamptz,
        PRIMARY KEY (showtime_id, booking_no)
    );
    CREATE INDEX bookings_user ON bookings (user_id, created_at DESC);

    -- The last guard against double booking: one row per sold seat.
    CREATE TABLE booked_seats (
        showtime_id  bigint NOT NULL,
        seat         integer NOT NULL CHECK (seat >= 0),
        booking_no   integer NOT NULL,
        PRIMARY KEY (showtime_id, seat),
        FOREIGN KEY (showtime_id, booking_no) REFERENCES bookings (showtime_id, booking_no)
    );

    CREATE TABLE seat_blocks (
        showtime_id  bigint NOT NULL REFERENCES showtimes (id),
        seat         integer NOT NULL CHECK (seat >= 0),
        reason       text NOT NULL DEFAULT '' CHECK (length(reason) <= 200),
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (showtime_id, seat)
    );

    -- A POST's Idempotency-Key per user: the request's hash and, once
    -- answered, the response to replay (status NULL while in progress).
    CREATE TABLE idempotency_keys (
        user_id       bigint NOT NULL,
        key           text NOT NULL,
        request_hash  text NOT NULL,
        status        integer,
        content_type  text,
        body          text,
        created_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, key)
    );
    CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
    """#)
}
