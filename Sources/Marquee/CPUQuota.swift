import Glibc

/// The default shard count: the CPUs this process may use. In a container
/// with a CPU limit that is the quota in cgroup v2's `cpu.max` ("200000
/// 100000" is two CPUs), not the host's cores: a shard per host core
/// would give each shard a sliver of the quota and add threads that only
/// contend. Rounded up, at least one, never more than the cores online.
enum CPUQuota {
    static func shards(cpuMax path: String = "/sys/fs/cgroup/cpu.max") -> Int {
        let online = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        guard let quota = read(path).flatMap(cpus) else { return online }
        return min(online, quota)
    }

    /// CPUs allowed by a `cpu.max` line, rounded up; nil for "max" (no limit)
    /// or a line that is not two positive numbers.
    static func cpus(_ line: String) -> Int? {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count == 2, let quota = Int(fields[0]), let period = Int(fields[1]), quota > 0, period > 0 else { return nil }
        return max(1, (quota + period - 1) / period)
    }

    private static func read(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 128)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
