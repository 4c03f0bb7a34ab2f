//! Node facts from a sysfs tree, as cAdvisor gathers the MachineInfo the
//! kubelet's managers read (google/cadvisor `machine/info.go`,
//! `utils/sysinfo/sysinfo.go`): online CPUs with their core and socket,
//! per-NUMA-node CPUs, MemTotal and huge pages.
//!
//! Read from `<root>`: `sys/devices/system/cpu/online`,
//! `sys/devices/system/cpu/cpu<N>/topology/{core_id,physical_package_id}`,
//! `sys/devices/system/node/node<N>/{cpulist,meminfo}`,
//! `sys/devices/system/node/node<N>/hugepages/hugepages-<size>kB/nr_hugepages`,
//! and, when present, `proc/meminfo` (`memory_capacity`) and
//! `sys/kernel/mm/hugepages` (machine-wide pools). A machine without node
//! directories is one NUMA node 0 holding every online CPU (cAdvisor's
//! fallback), its memory from `proc/meminfo`.

use std::collections::BTreeMap;
use std::path::Path;

use super::config::{Core, HugePages, KubeletConfig, MachineInfo, Node, NumaNode};
use crate::go::cpuset::CpuSet;

fn read(p: &Path) -> Result<String, String> {
    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))
}

fn read_int(p: &Path) -> Result<i64, String> {
    let t = read(p)?;
    t.trim()
        .parse()
        .map_err(|e| format!("{}: {e}", p.display()))
}

fn cpulist(p: &Path) -> Result<CpuSet, String> {
    CpuSet::parse(read(p)?.trim()).map_err(|e| format!("{}: {e}", p.display()))
}

/// `MemTotal` of a meminfo file (`Node 0 MemTotal: 8388608 kB` or
/// `MemTotal: 8388608 kB`), in bytes.
fn mem_total(p: &Path) -> Result<u64, String> {
    let t = read(p)?;
    for line in t.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let Some(i) = words.iter().position(|w| *w == "MemTotal:") {
            let kb: u64 = words
                .get(i + 1)
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{}: bad MemTotal line {line:?}", p.display()))?;
            return Ok(kb * 1024);
        }
    }
    Err(format!("{}: no MemTotal", p.display()))
}

/// The `hugepages-<size>kB/nr_hugepages` pools under `dir`, sizes ascending.
fn hugepages(dir: &Path) -> Result<Vec<HugePages>, String> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(out);
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(size) = name
            .strip_prefix("hugepages-")
            .and_then(|s| s.strip_suffix("kB"))
            .and_then(|s| s.parse::<u64>().ok())
        else {
            continue;
        };
        let n = read_int(&e.path().join("nr_hugepages"))?;
        out.push(HugePages {
            page_size: size,
            num_pages: n as u64,
        });
    }
    out.sort_by_key(|h| h.page_size);
    Ok(out)
}

/// `node<N>` directory ids under `sys/devices/system/node`, ascending.
fn node_dirs(dir: &Path) -> Vec<i64> {
    let mut ids: Vec<i64> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.strip_prefix("node")?.parse().ok())
        .collect();
    ids.sort_unstable();
    ids
}

/// The cores of `cpus`: threads grouped by (socket, core_id), as cAdvisor
/// lists them.
fn cores(cpu_dir: &Path, cpus: &CpuSet) -> Result<Vec<Core>, String> {
    let mut by: BTreeMap<(i64, i64), Vec<i64>> = BTreeMap::new();
    for cpu in cpus.iter() {
        let t = cpu_dir.join(format!("cpu{cpu}/topology"));
        let core = read_int(&t.join("core_id"))?;
        let socket = read_int(&t.join("physical_package_id"))?;
        by.entry((socket, core)).or_default().push(cpu);
    }
    Ok(by
        .into_iter()
        .map(|((socket_id, id), threads)| Core {
            id,
            threads,
            socket_id,
        })
        .collect())
}

impl Node {
    /// The node whose sysfs (and procfs) tree is mounted at `root` (`/` for
    /// this machine), with `config` as its kubelet configuration.
    pub fn from_sysfs(root: &Path, config: KubeletConfig) -> Result<Node, String> {
        let sys = root.join("sys/devices/system");
        let cpu_dir = sys.join("cpu");
        let online = cpulist(&cpu_dir.join("online"))?;
        let proc_meminfo = root.join("proc/meminfo");
        let capacity = proc_meminfo
            .exists()
            .then(|| mem_total(&proc_meminfo))
            .transpose()?;
        let mut topology = Vec::new();
        let ids = node_dirs(&sys.join("node"));
        if ids.is_empty() {
            topology.push(NumaNode {
                id: 0,
                memory: capacity.unwrap_or(0),
                hugepages: hugepages(&root.join("sys/kernel/mm/hugepages"))?,
                cores: cores(&cpu_dir, &online)?,
            });
        }
        for id in ids {
            let dir = sys.join(format!("node/node{id}"));
            let cpus = cpulist(&dir.join("cpulist"))?.intersection(&online);
            topology.push(NumaNode {
                id,
                memory: mem_total(&dir.join("meminfo"))?,
                hugepages: hugepages(&dir.join("hugepages"))?,
                cores: cores(&cpu_dir, &cpus)?,
            });
        }
        let sockets: std::collections::BTreeSet<i64> = topology
            .iter()
            .flat_map(|n| &n.cores)
            .map(|c| c.socket_id)
            .collect();
        let kernel_pages = root.join("sys/kernel/mm/hugepages");
        let machine_info = MachineInfo {
            num_cores: Some(online.iter().count() as i64),
            num_sockets: Some(sockets.len() as i64),
            memory_capacity: capacity,
            hugepages: kernel_pages
                .exists()
                .then(|| hugepages(&kernel_pages))
                .transpose()?,
            topology,
        };
        Ok(Node {
            kubelet_config: config,
            machine_info,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// The `oracle node-example` machine as sysfs shows it, with CPU 7
    /// offline: two sockets = two NUMA nodes, cores {0,4},{1,5} | {2,6},{3,7},
    /// 8 GiB and two 1 GiB pages per node.
    #[test]
    fn fake_tree_gives_the_example_machine() {
        let dir = std::env::temp_dir().join(format!("kubelet-ckpt-sysfs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        write(&dir, "sys/devices/system/cpu/online", "0-6\n");
        for cpu in 0..8 {
            let (socket, core) = ((cpu % 4) / 2, cpu % 2);
            let t = format!("sys/devices/system/cpu/cpu{cpu}/topology");
            write(&dir, &format!("{t}/core_id"), &format!("{core}\n"));
            write(
                &dir,
                &format!("{t}/physical_package_id"),
                &format!("{socket}\n"),
            );
        }
        for (n, list) in [(0, "0-1,4-5"), (1, "2-3,6-7")] {
            let d = format!("sys/devices/system/node/node{n}");
            write(&dir, &format!("{d}/cpulist"), &format!("{list}\n"));
            write(
                &dir,
                &format!("{d}/meminfo"),
                &format!("Node {n} MemFree: 1 kB\nNode {n} MemTotal:       8388608 kB\n"),
            );
            write(
                &dir,
                &format!("{d}/hugepages/hugepages-1048576kB/nr_hugepages"),
                "2\n",
            );
            write(
                &dir,
                &format!("{d}/hugepages/hugepages-2048kB/nr_hugepages"),
                "0\n",
            );
        }
        let node = Node::from_sysfs(&dir, KubeletConfig::default()).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let m = &node.machine_info;
        assert_eq!(m.num_cores(), 7);
        assert_eq!(m.num_sockets(), 2);
        assert_eq!(m.memory_capacity(), 2 * 8589934592);
        let threads: Vec<Vec<Vec<i64>>> = m
            .topology
            .iter()
            .map(|n| n.cores.iter().map(|c| c.threads.clone()).collect())
            .collect();
        assert_eq!(
            threads,
            vec![vec![vec![0, 4], vec![1, 5]], vec![vec![2, 6], vec![3]]]
        );
        assert_eq!(m.topology[1].memory, 8589934592);
        let pages: Vec<(u64, u64)> = m.topology[0]
            .hugepages
            .iter()
            .map(|h| (h.page_size, h.num_pages))
            .collect();
        assert_eq!(pages, vec![(2048, 0), (1048576, 2)]);
        assert_eq!(m.machine_hugepages().len(), 2);
    }
}
