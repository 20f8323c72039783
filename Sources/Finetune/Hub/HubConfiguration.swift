import Foundation

/// Settings of the Hub client: endpoint, cache folder, token and offline mode.
///
/// `fromEnvironment` reads the variables that huggingface_hub reads (checked against version 2.4.0's
/// constants.py), so both tools share one cache: HF_ENDPOINT, HF_HUB_CACHE (or HUGGINGFACE_HUB_CACHE), HF_HOME, XDG_CACHE_HOME, HF_TOKEN,
/// HF_TOKEN_PATH and HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE).
public struct HubConfiguration: Sendable, Equatable {
    /// The Hub's base URL, without a trailing slash.
    public var endpoint: URL
    /// The hub cache folder that contains `models--*` and `datasets--*`.
    public var cacheDirectory: URL
    /// Sent as `Authorization: Bearer` to the endpoint's host only, never to redirect targets elsewhere.
    public var token: String?
    /// Whether to use the cache only and send no requests.
    public var offline: Bool
    public var userAgent: String
    /// Seconds without data before a request fails.
    public var requestTimeout: TimeInterval
    /// Download attempts after a dropped connection; the count starts over whenever bytes arrive.
    public var maxRetries: Int
    /// Seconds to wait before retrying a dropped download.
    public var retryDelay: TimeInterval

    public static let defaultEndpoint = URL(string: "https://huggingface.co")!

    public init(
        endpoint: URL = HubConfiguration.defaultEndpoint,
        cacheDirectory: URL,
        token: String? = nil,
        offline: Bool = false,
        userAgent: String = "swift-finetune/\(finetuneVersion)",
        requestTimeout: TimeInterval = 30,
        maxRetries: Int = 5,
        retryDelay: TimeInterval = 1
    ) {
        self.endpoint = endpoint
        self.cacheDirectory = cacheDirectory
        self.token = token
        self.offline = offline
        self.userAgent = userAgent
        self.requestTimeout = requestTimeout
        self.maxRetries = maxRetries
        self.retryDelay = retryDelay
    }

    /// Builds a configuration from environment variables.
    ///
    /// - Parameter token: a token given on the command line; it takes precedence over HF_TOKEN and the
    ///   token file ($HF_TOKEN_PATH, else $HF_HOME/token).
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment, token: String? = nil
    ) throws -> HubConfiguration {
        let endpointText = nonEmpty(environment["HF_ENDPOINT"]) ?? defaultEndpoint.absoluteString
        let trimmed = endpointText.hasSuffix("/") ? String(endpointText.dropLast()) : endpointText
        guard let endpoint = URL(string: trimmed), let scheme = endpoint.scheme, ["http", "https"].contains(scheme),
              endpoint.host != nil
        else {
            throw HubError.invalidArgument(argument: endpointText, reason: "HF_ENDPOINT must be an http or https URL")
        }

        let home = homeDirectory(environment)
        let hfHome = nonEmpty(environment["HF_HOME"]).map { expandTilde($0, home: home) }
            ?? (nonEmpty(environment["XDG_CACHE_HOME"]).map { expandTilde($0, home: home) } ?? home + "/.cache") + "/huggingface"
        let cache = (nonEmpty(environment["HF_HUB_CACHE"]) ?? nonEmpty(environment["HUGGINGFACE_HUB_CACHE"]))
            .map { expandTilde($0, home: home) } ?? hfHome + "/hub"

        var resolvedToken = nonEmpty(token) ?? nonEmpty(environment["HF_TOKEN"]) ?? nonEmpty(environment["HUGGING_FACE_HUB_TOKEN"])
        if resolvedToken == nil {
            let tokenPath = nonEmpty(environment["HF_TOKEN_PATH"]).map { expandTilde($0, home: home) } ?? hfHome + "/token"
            if let stored = try? String(contentsOfFile: tokenPath, encoding: .utf8) {
                resolvedToken = nonEmpty(stored.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }

        let offline = isTrue(environment["HF_HUB_OFFLINE"]) || isTrue(environment["TRANSFORMERS_OFFLINE"])
        return HubConfiguration(
            endpoint: endpoint, cacheDirectory: URL(fileURLWithPath: cache, isDirectory: true),
            token: resolvedToken, offline: offline)
    }

    /// Matches huggingface_hub's truthy values: 1, ON, YES, TRUE in any case.
    static func isTrue(_ value: String?) -> Bool {
        guard let value else { return false }
        return ["1", "ON", "YES", "TRUE"].contains(value.uppercased())
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    private static func homeDirectory(_ environment: [String: String]) -> String {
        nonEmpty(environment["HOME"]) ?? FileManager.default.homeDirectoryForCurrentUser.path
    }

    private static func expandTilde(_ path: String, home: String) -> String {
        if path == "~" { return home }
        if path.hasPrefix("~/") { return home + path.dropFirst() }
        return path
    }
}
