import Foundation

/// Resident memory of this process, read from `/proc/self/status` (Linux).
public enum MemoryUsage {
    /// Peak resident set size (VmHWM) in bytes, or nil where /proc is unavailable.
    public static func peakResidentBytes() -> Int? { statusField("VmHWM") }

    /// Current resident set size (VmRSS) in bytes.
    public static func residentBytes() -> Int? { statusField("VmRSS") }

    private static func statusField(_ name: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            // The line reads "VmHWM:   123456 kB".
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kilobytes = Int(fields[1]) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }
}
