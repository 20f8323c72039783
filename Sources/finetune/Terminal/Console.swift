import Foundation

/// Output streams of the tool: results go to standard output, logs and progress to standard error,
/// so `finetune predict --json > out.jsonl` stays clean.
enum Console {
    static let errorIsTerminal = isatty(STDERR_FILENO) == 1

    static func log(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Rewrites the current terminal line (progress bars). Only call when `errorIsTerminal`.
    static func overwrite(_ line: String) {
        FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
    }

    static func output(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}

/// Formats a duration as `42s`, `3m05s` or `1h02m`.
func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "--" }
    let total = Int(seconds.rounded())
    if total < 60 { return "\(total)s" }
    if total < 3600 { return String(format: "%dm%02ds", total / 60, total % 60) }
    return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60)
}

/// Formats a byte count as MiB or GiB.
func formatBytes(_ bytes: Int) -> String {
    let mib = Double(bytes) / 1_048_576
    return mib < 1024 ? String(format: "%.0f MiB", mib) : String(format: "%.2f GiB", mib / 1024)
}
