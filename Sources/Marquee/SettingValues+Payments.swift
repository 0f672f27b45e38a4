import Glibc
import MarqueeStripe

/// The payment provider `serve` starts with (PAYMENT_PROVIDER). Stripe is
/// refused at start, with a message that names what to set and never the
/// key itself, when its key is missing, is not a secret key, or is live
/// without allow-live-payments: a server that cannot take payments, or
/// takes real ones by accident, must not start.
extension SettingValues {
    /// nil: the mock provider.
    func stripeConfiguration() throws -> StripeConfiguration? {
        guard try text(.paymentProvider) == "stripe" else { return nil }
        let key = Setting.stripeSecretKey.definition
        guard let secret = try text(.stripeSecretKey) else {
            throw ConfigurationError("PAYMENT_PROVIDER=stripe needs \(key.variable) in the environment (never a flag)")
        }
        guard ["sk_test_", "sk_live_", "rk_test_", "rk_live_"].contains(where: secret.hasPrefix) else {
            throw ConfigurationError("\(key.variable) is not a Stripe secret key: it must start with sk_test_ or sk_live_")
        }
        var config = StripeConfiguration(secretKey: secret)
        let live = Setting.allowLivePayments.definition
        if config.isLiveKey, try !toggle(.allowLivePayments) {
            throw ConfigurationError("\(key.variable) is a live key (sk_live_): real cards would be charged. "
                + "Start with --\(live.name) (\(live.variable)=1) to allow it, or use a test key (sk_test_)")
        }
        config.apiBase = try text(.stripeAPIBase) ?? config.apiBase
        guard config.apiBase.lowercased().hasPrefix("https://") else {
            throw ConfigurationError("\(Setting.stripeAPIBase.definition.variable) must be an https:// address, got '\(config.apiBase)'")
        }
        if let caFile = try text(.stripeCAFile) {
            guard access(caFile, R_OK) == 0 else {
                throw ConfigurationError("\(Setting.stripeCAFile.definition.variable) '\(caFile)' cannot be read")
            }
            config.caFile = caFile
        }
        return config
    }
}
