import Foundation
import Glibc

/// A process's CPU time and resident memory from /proc, and the machine's
/// idleness: the steadiest figures on a shared machine.
public enum ProcessStats {
    /// User plus system CPU time of `pid`, microseconds.
    public static func cpuMicros(pid: Int32) -> Double? { cpuMicros(pid: pid, children: false) }

    /// The same, with `children` also that of its children that have exited
    /// and been waited for.
    public static func cpuMicros(pid: Int32, children: Bool) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // Fields after "(comm)": state is field 3; utime 14, stime 15, cutime 16, cstime 17.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 15, let user = Double(fields[11]), let system = Double(fields[12]),
              let childUser = Double(fields[13]), let childSystem = Double(fields[14]) else { return nil }
        return (user + system + (children ? childUser + childSystem : 0)) * 1e6 / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// CPU time of every process whose name is `name` (PostgreSQL's
    /// backends and helpers are all "postgres"), microseconds, with their
    /// exited children's (a backend that has gone is counted in the
    /// postmaster's).
    public static func cpuMicros(named name: String) -> Double {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return 0 }
        var total = 0.0
        for entry in entries {
            guard let pid = Int32(entry),
                  let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8),
                  comm.trimmingCharacters(in: .newlines) == name else { continue }
            total += cpuMicros(pid: pid, children: true) ?? 0
        }
        return total
    }

    /// User plus system CPU time of this process's children that have
    /// exited and been waited for, microseconds.
    public static func childrenCPUMicros() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
        func micros(_ time: timeval) -> Double { Double(time.tv_sec) * 1e6 + Double(time.tv_usec) }
        return micros(usage.ru_utime) + micros(usage.ru_stime)
    }

    /// Resident set size of `pid`, bytes.
    public static func residentBytes(pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The share of all cores busy over `seconds` (0...1), from /proc/stat.
    public static func machineBusy(over seconds: Double = 1) -> Double {
        func sample() -> (busy: Double, total: Double) {
            guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
                  let line = text.split(separator: "\n").first else { return (0, 1) }
            let values = line.split(separator: " ").dropFirst().compactMap { Double($0) }
            let idle = values.count > 4 ? values[3] + values[4] : 0
            let total = values.reduce(0, +)
            return (total - idle, total)
        }
        let first = sample()
        usleep(UInt32(seconds * 1e6))
        let second = sample()
        let total = second.total - first.total
        return total > 0 ? (second.busy - first.busy) / total : 0
    }

    public static func machine() -> [String: String] {
        var facts = ["cores": String(sysconf(Int32(_SC_NPROCESSORS_ONLN)))]
        if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }) {
            facts["cpu"] = line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) }
        }
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = text.split(separator: "\n").first {
            facts["memory"] = line.split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) }
        }
        return facts
    }
}
