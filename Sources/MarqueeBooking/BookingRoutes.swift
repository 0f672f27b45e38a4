import MarqueeCatalog
import MarqueeHTTP
import MarqueeLoop
import MarqueeSeating
import MarqueeServer
import MarqueeUsers

/// Seat maps, holds, checkout and bookings. Handlers validate on the shard
/// a request arrived on, then hop to the showtime's owner shard for
/// anything that reads or changes its seats.
public enum BookingRoutes {
    public static func add(to routes: inout Routes, engine: SeatEngine) {
        let config = engine.config
        routes.add(.GET, "/v1/showtimes/{id:int}/seats") { context in
            let showtime = context.parameters.id("id")!
            optionalUser(context, signer: config.signer) { user in seatMap(context, showtime, user: user, engine: engine) }
        }
        // Holds and releases are the on-sale's hot path: local functions,
        // closures only where a step has to wait (see Authenticator.check).
        routes.add(.POST, "/v1/showtimes/{id:int}/holds") { context in
            let showtime = context.parameters.id("id")!
            func hold(_ claims: TokenSigner.Claims) {
                let request: HoldRequest
                do throws(APIError) {
                    request = try HoldRequest.parse(context.request, maxSeats: config.maxSeatsPerHold)
                } catch {
                    return context.fail(error)
                }
                func create() {
                    engine.withShowtime(context, showtime) { owner, seats, reply in
                        switch owner.createHold(request, user: claims.userID, in: seats) {
                        case .success(let created):
                            reply(.json(.created, BookingJSON.hold(created.hold, in: seats, currency: config.currency,
                                                                   replaced: created.replaced?.number)))
                        case .failure(let refusal): reply.fail(refusal.apiError(in: seats))
                        }
                    }
                }
                if Idempotency.isRequested(context) { Idempotency.run(context, user: claims.userID, create) } else { create() }
            }
            switch Authenticator.check(context, signer: config.signer) {
            case .valid(let claims): hold(claims)
            case .refused: break
            case .unsettled: Authenticator.authenticate(context, signer: config.signer, hold)
            }
        }
        routes.add(.GET, "/v1/holds/{id}") { context in
            withHold(context, engine: engine) { owner, seats, number, user, reply in
                switch owner.liveHold(number, user: user, in: seats) {
                case .success(let hold): reply(.json(.ok, BookingJSON.hold(hold, in: seats, currency: config.currency)))
                case .failure(let refusal): reply.fail(refusal.apiError(in: seats))
                }
            }
        }
        routes.add(.DELETE, "/v1/holds/{id}") { context in
            withHold(context, engine: engine) { owner, seats, number, user, reply in
                if let refusal = owner.releaseHold(number, user: user, in: seats) {
                    reply.fail(refusal.apiError(in: seats))
                } else {
                    reply(HTTPResponse(status: .noContent))
                }
            }
        }
        routes.add(.PATCH, "/v1/holds/{id}") { context in
            let change: (add: [String], remove: [String])
            do throws(APIError) {
                let body = try JSONBody(context.request, allowed: ["add", "remove"])
                guard body.has("add") || body.has("remove") else {
                    throw APIError(.badRequest, code: "invalid_field", message: "Give `add`, `remove` or both.")
                }
                let add = body.has("add") ? try HoldRequest.labels(body.object["add"], field: "add", maxSeats: config.maxSeatsPerHold, allowEmpty: true) : []
                let remove = body.has("remove") ? try HoldRequest.labels(body.object["remove"], field: "remove", maxSeats: 1_000, allowEmpty: true) : []
                change = (add, remove)
            } catch {
                return context.fail(error)
            }
            withHold(context, engine: engine) { owner, seats, number, user, reply in
                switch owner.changeHold(number, user: user, add: change.add, remove: change.remove, in: seats) {
                case .success(let hold): reply(.json(.ok, BookingJSON.hold(hold, in: seats, currency: config.currency)))
                case .failure(let refusal): reply.fail(refusal.apiError(in: seats, changing: true))
                }
            }
        }
        routes.add(.POST, "/v1/holds/{id}/checkout") { context in
            let method: String
            do throws(APIError) {
                method = try CheckoutRequest.paymentMethod(context.request)
            } catch {
                return context.fail(error)
            }
            withHold(context, engine: engine, idempotent: true) { owner, seats, number, user, reply in
                owner.checkout(number, user: user, paymentMethod: method, in: seats, reply: reply)
            }
        }
        routes.add(.POST, "/v1/holds/{id}/checkout/confirm") { context in
            withHold(context, engine: engine, idempotent: true) { owner, seats, number, user, reply in
                owner.confirmCheckout(number, user: user, in: seats, reply: reply)
            }
        }
        PaymentWebhookRoutes.add(to: &routes, engine: engine)
        AdminPaymentRoutes.add(to: &routes, config: config)
        if config.usesMockProvider { MockPaymentRoutes.add(to: &routes, ledger: config.mockPayments) }
        routes.add(.GET, "/v1/bookings/{id}") { context in
            Authenticator.authenticate(context, signer: config.signer) { claims in
                BookingReads.one(context, id: context.parameters["id"] ?? "", user: claims.userID)
            }
        }
        routes.add(.POST, "/v1/bookings/{id}/cancel") { context in
            Authenticator.authenticate(context, signer: config.signer) { claims in
                guard let (showtime, number) = PublicID.parse(context.parameters["id"] ?? "", prefix: "bkg") else {
                    return context.fail(BookingReads.notFound)
                }
                Idempotency.run(context, user: claims.userID) {
                    engine.withShowtime(context, showtime) { owner, seats, reply in
                        owner.cancelBooking(number, user: claims.userID, in: seats, reply: reply)
                    }
                }
            }
        }
        routes.add(.GET, "/v1/me/bookings") { context in
            Authenticator.authenticate(context, signer: config.signer) { claims in
                BookingReads.mine(context, user: claims.userID)
            }
        }
        routes.add(.POST, "/v1/showtimes/{id:int}/seat-blocks") { context in
            let showtime = context.parameters.id("id")!
            let labels: [String]
            let reason: String
            do throws(APIError) {
                let body = try JSONBody(context.request, allowed: ["seats", "reason"])
                labels = try HoldRequest.labels(body.object["seats"], field: "seats", maxSeats: 5_000, allowEmpty: false)
                reason = try body.string("reason", maxLength: 200, allowEmpty: true) ?? ""
            } catch {
                return context.fail(error)
            }
            AdminAuth.check(context, config: config.catalog) {
                engine.withShowtime(context, showtime) { owner, seats, reply in
                    owner.block(labels, reason: reason, in: seats, reply: reply)
                }
            }
        }
        routes.add(.DELETE, "/v1/showtimes/{id:int}/seat-blocks/{seat}") { context in
            let showtime = context.parameters.id("id")!
            let label = context.parameters["seat"] ?? ""
            AdminAuth.check(context, config: config.catalog) {
                engine.withShowtime(context, showtime) { owner, seats, reply in
                    owner.unblock(label, in: seats, reply: reply)
                }
            }
        }
    }

    /// Authenticates, parses a hold id, and runs `body` on its owner shard.
    private static func withHold(_ context: RequestContext, engine: SeatEngine, idempotent: Bool = false,
                                 _ body: @escaping @Sendable (OwnerShard, ShowtimeSeats, UInt32, Int64, Reply) -> Void) {
        func withClaims(_ claims: TokenSigner.Claims) {
            guard let (showtime, number) = PublicID.parse(context.parameters["id"] ?? "", prefix: "hld") else {
                return context.fail(APIError.holdNotFound)
            }
            let user = claims.userID
            func run() {
                engine.withShowtime(context, showtime) { owner, seats, reply in
                    body(owner, seats, number, user, reply)
                }
            }
            if idempotent && Idempotency.isRequested(context) { Idempotency.run(context, user: user, run) } else { run() }
        }
        switch Authenticator.check(context, signer: engine.config.signer) {
        case .valid(let claims): withClaims(claims)
        case .refused: break
        case .unsettled: Authenticator.authenticate(context, signer: engine.config.signer, withClaims)
        }
    }

    /// The seat map from its owner shard: the showtime's shared encoding
    /// (SeatMapReaders), or the copy kept of an ended one, which is not
    /// reloaded for it.
    private static func seatMap(_ context: RequestContext, _ showtime: Int64, user: Int64?, engine: SeatEngine) {
        let reply = Reply(context: LoopBound(context, loop: context.loop))
        engine.onOwnerShard(of: showtime, from: context.shardAccess) { owner in
            let readers = SeatMapReaders.on(owner.access)
            if owner.loaded(showtime) == nil, let ended = readers.endedMap(showtime) { return reply(.json(.ok, ended)) }
            owner.showtime(showtime) { result in
                switch result {
                case .success(let seats): reply(.json(.ok, readers.body(seats, user: user, now: owner.now().seconds)))
                case .failure(let error): reply.fail(error)
                }
            }
        }
    }

    /// The caller's user id when a valid token is sent, nil without one;
    /// a bad token is still 401 (a client that sends one wants it checked).
    private static func optionalUser(_ context: RequestContext, signer: TokenSigner, _ then: @escaping (Int64?) -> Void) {
        guard context.request.head.headers["authorization"] != nil else { return then(nil) }
        Authenticator.authenticate(context, signer: signer) { then($0.userID) }
    }
}
