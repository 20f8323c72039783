// A synchronous HTTP client over URLSession (FoundationNetworking, backed by libcurl, on Linux).
//
// Redirects are never followed automatically: the Hub's first response carries X-Linked-Etag and
// X-Linked-Size, and the bearer token must not reach a CDN on another host, so HubClient follows
// each hop itself. Bodies of successful downloads stream to a caller-supplied sink as they arrive.

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

struct HubHTTPResponse {
    let url: URL
    let status: Int
    /// Header fields with lowercased names.
    let headers: [String: String]
    /// The body, unless it was streamed to a sink.
    var body: Data

    func header(_ name: String) -> String? { headers[name.lowercased()] }

    var isRedirect: Bool { [301, 302, 303, 307, 308].contains(status) }
}

/// A failure below HTTP: no connection, a dropped connection, a timeout, a TLS failure.
struct HubTransportError: Error {
    let url: URL
    let code: URLError.Code?
    let message: String
    /// Bytes of the body that reached the sink before the failure.
    let bytesReceived: Int64
}

/// Receives a streamed body. Returning from `write` without throwing accepts the bytes.
protocol HubHTTPBodySink: AnyObject {
    /// Called once the status and headers are in. Returning false collects the body in memory instead.
    func shouldStream(_ response: HubHTTPResponse) -> Bool
    func write(_ data: Data) throws
}

final class HubHTTPClient: @unchecked Sendable {
    private let timeout: TimeInterval

    init(timeout: TimeInterval) {
        self.timeout = timeout
    }

    /// Sends one request and waits for its response, without following redirects.
    ///
    /// - Parameter headersOnly: cancel the transfer once the status and headers are in, which turns a GET
    ///   into a HEAD for servers that do not implement HEAD.
    func send(
        method: String, url: URL, headers: [String: String], sink: HubHTTPBodySink? = nil, headersOnly: Bool = false
    ) throws -> HubHTTPResponse {
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = timeout
        for (name, value) in headers {
            request.setValue(value, forHTTPHeaderField: name)
        }

        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.timeoutIntervalForRequest = timeout
        // Large files take as long as they take; the idle timeout above catches stalls.
        configuration.timeoutIntervalForResource = 7 * 24 * 3600

        let delegate = RequestDelegate(sink: sink, headersOnly: headersOnly)
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: queue)
        defer { session.finishTasksAndInvalidate() }

        session.dataTask(with: request).resume()
        delegate.done.wait()
        return try delegate.result(for: url)
    }
}

/// Collects one task's response on the session's delegate queue and signals `done` when it completes.
private final class RequestDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    private let sink: HubHTTPBodySink?
    private let headersOnly: Bool
    private var response: HubHTTPResponse?
    private var streaming = false
    private var streamedBytes: Int64 = 0
    private var sinkError: Error?
    private var transportError: Error?

    init(sink: HubHTTPBodySink?, headersOnly: Bool) {
        self.sink = sink
        self.headersOnly = headersOnly
    }

    func result(for url: URL) throws -> HubHTTPResponse {
        if let sinkError { throw sinkError }
        if let transportError {
            let urlError = transportError as? URLError
            throw HubTransportError(
                url: url, code: urlError?.code, message: describe(transportError), bytesReceived: streamedBytes)
        }
        guard let response else {
            throw HubTransportError(url: url, code: nil, message: "no response", bytesReceived: 0)
        }
        return response
    }

    private func describe(_ error: Error) -> String {
        guard let urlError = error as? URLError else { return error.localizedDescription }
        switch urlError.code {
        case .cannotConnectToHost: return "connection refused"
        case .cannotFindHost, .dnsLookupFailed: return "host not found"
        case .timedOut: return "timed out"
        case .networkConnectionLost: return "connection lost"
        case .notConnectedToInternet: return "no network connection"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            return "TLS connection failed"
        default: return urlError.localizedDescription
        }
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        // Deliver the 3xx itself; HubClient decides where to go next and which headers to send.
        completionHandler(nil)
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        guard let http = response as? HTTPURLResponse else {
            completionHandler(.cancel)
            return
        }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String {
                headers[name.lowercased()] = value
            }
        }
        let converted = HubHTTPResponse(url: http.url ?? dataTask.originalRequest?.url ?? URL(fileURLWithPath: "/"),
                                        status: http.statusCode, headers: headers, body: Data())
        self.response = converted
        if headersOnly {
            completionHandler(.cancel)
            return
        }
        streaming = sink?.shouldStream(converted) ?? false
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard sinkError == nil else { return }
        if streaming, let sink {
            do {
                try sink.write(data)
                streamedBytes += Int64(data.count)
            } catch {
                sinkError = error
                dataTask.cancel()
            }
        } else {
            response?.body.append(data)
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        // A headers-only request ends in a cancellation that is expected once the response is in.
        if let error, sinkError == nil, !(headersOnly && response != nil) {
            transportError = error
        }
        done.signal()
    }
}
