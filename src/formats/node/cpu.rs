//! The CPU manager against the node (spec §8.2, §8.3; oracle `node_cpu.go`,
//! `node_cpu_old.go`): `topology.Discover`, the `--reserved-cpus` checks of
//! server.go, `cpumanager.NewManager` / `NewStaticPolicy` with the
//! reserved-CPU take of each release line, and `validateState`.
//!
//! Written after pkg/kubelet/cm/cpumanager/{topology/topology.go,
//! cpu_manager.go, policy_static.go, policy_options.go, cpu_assignment.go}
//! and cmd/kubelet/app/server.go (`getReservedCPUs`) as the oracle reads
//! them; sources and release boundaries are in spec §8.7.

use std::collections::{BTreeMap, BTreeSet};

use super::config::MachineInfo;
use super::{start_config, Node, NodeError, Release};
use crate::go::cpuset::CpuSet;
use crate::go::strconv::{quote, NumError, NumErrorKind};

type Set = BTreeSet<i64>;

fn set_string(s: &Set) -> String {
    CpuSet::from_ids(s.iter().copied()).to_string()
}

// ---- topology.Discover ----------------------------------------------------

#[derive(Debug, Clone, Copy)]
struct CpuInfo {
    numa: i64,
    socket: i64,
    core: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Numa,
    Socket,
    Core,
}

impl Field {
    fn of(self, i: &CpuInfo) -> i64 {
        match self {
            Field::Numa => i.numa,
            Field::Socket => i.socket,
            Field::Core => i.core,
        }
    }
}

type Details = BTreeMap<i64, CpuInfo>;

fn cpus_of(d: &Details) -> Set {
    d.keys().copied().collect()
}

fn keep_only(d: &Details, s: &Set) -> Details {
    d.iter()
        .filter(|(c, _)| s.contains(c))
        .map(|(c, i)| (*c, *i))
        .collect()
}

/// `CPUsIn*`: the CPUs whose `field` is `id`.
fn cpus_where(d: &Details, field: Field, id: i64) -> Set {
    d.iter()
        .filter(|(_, i)| field.of(i) == id)
        .map(|(c, _)| *c)
        .collect()
}

/// The distinct `out` values of CPUs whose `inn` is `id` (all CPUs for
/// `None`), ascending (`SocketsInNUMANodes`, `CoresInSockets`, ...).
fn ids_where(d: &Details, out: Field, inn: Option<(Field, i64)>) -> Vec<i64> {
    let s: Set = d
        .values()
        .filter(|i| inn.map_or(true, |(f, id)| f.of(i) == id))
        .map(|i| out.of(i))
        .collect();
    s.into_iter().collect()
}

/// `topology.CPUTopology` as `Discover(machineInfo)` builds it (1.22+ socket
/// ids: the cores' `socket_id`, `NumSockets` from cAdvisor).
#[derive(Debug, Clone)]
pub struct Topology {
    num_cpus: i64,
    num_cores: i64,
    num_sockets: i64,
    num_numa: i64,
    details: Details,
}

impl Topology {
    /// The node's logical CPUs (`CPUDetails.CPUs()`).
    pub fn cpus(&self) -> CpuSet {
        CpuSet::from_ids(self.details.keys().copied())
    }

    fn cpus_per_core(&self) -> i64 {
        if self.num_cores == 0 {
            0
        } else {
            self.num_cpus / self.num_cores
        }
    }

    /// `CPUsPerSocket()`: 0 when cAdvisor reports no sockets.
    fn cpus_per_socket(&self) -> i64 {
        if self.num_sockets == 0 {
            0
        } else {
            self.num_cpus / self.num_sockets
        }
    }

    /// Every socket and every core has exactly CPUsPerSocket() resp.
    /// CPUsPerCore() CPUs: there the 1.37 "free" tests (PR 140498) and the
    /// older ones agree.
    fn uniform(&self) -> bool {
        if self.num_sockets == 0
            || self.num_cores == 0
            || self.num_cpus % self.num_sockets != 0
            || self.num_cpus % self.num_cores != 0
        {
            return false;
        }
        let sockets = ids_where(&self.details, Field::Socket, None);
        sockets.iter().all(|s| {
            cpus_where(&self.details, Field::Socket, *s).len() as i64 == self.cpus_per_socket()
        }) && ids_where(&self.details, Field::Core, None).iter().all(|c| {
            cpus_where(&self.details, Field::Core, *c).len() as i64 == self.cpus_per_core()
        }) && sockets.len() as i64 == self.num_sockets
    }
}

/// `topology.Discover(machineInfo)`: `could not detect number of cpus`,
/// `no cpus provided`, `cpus provided are not unique`; each CPU's core is
/// the lowest thread id of its core (`CPUCoreID`).
pub fn discover(m: &MachineInfo) -> Result<Topology, NodeError> {
    if m.num_cores() == 0 {
        return Err(NodeError::Kubelet("could not detect number of cpus".into()));
    }
    let mut d = Details::new();
    let mut physical = 0i64;
    for node in &m.topology {
        physical += node.cores.len() as i64;
        for core in &node.cores {
            let Some(&core_id) = core.threads.iter().min() else {
                return Err(NodeError::Kubelet("no cpus provided".into()));
            };
            if core.threads.iter().collect::<BTreeSet<_>>().len() != core.threads.len() {
                return Err(NodeError::Kubelet("cpus provided are not unique".into()));
            }
            for &cpu in &core.threads {
                d.insert(
                    cpu,
                    CpuInfo {
                        numa: node.id,
                        socket: core.socket_id,
                        core: core_id,
                    },
                );
            }
        }
    }
    let numas: Set = d.values().map(|i| i.numa).collect();
    Ok(Topology {
        num_cpus: m.num_cores(),
        num_cores: physical,
        num_sockets: m.num_sockets(),
        num_numa: numas.len() as i64,
        details: d,
    })
}

// ---- takeByTopologyNUMAPacked (1.23+) -------------------------------------

struct Acc<'a> {
    topo: &'a Topology,
    details: Details,
    need: i64,
    result: Set,
    numa_first: bool,
}

impl<'a> Acc<'a> {
    fn new(topo: &'a Topology, available: &Set, n: i64) -> Acc<'a> {
        Acc {
            topo,
            details: keep_only(&topo.details, available),
            need: n,
            result: Set::new(),
            numa_first: topo.num_sockets >= topo.num_numa,
        }
    }

    /// Ascending number of available CPUs, then ascending id.
    fn sort_ids(&self, ids: &mut [i64], field: Field) {
        ids.sort_by_key(|id| (cpus_where(&self.details, field, *id).len(), *id));
    }

    fn sort_numa_nodes(&self) -> Vec<i64> {
        if self.numa_first {
            let mut ids = ids_where(&self.details, Field::Numa, None);
            self.sort_ids(&mut ids, Field::Numa);
            return ids;
        }
        let mut out = Vec::new();
        for socket in self.sort_sockets() {
            let mut ids = ids_where(&self.details, Field::Numa, Some((Field::Socket, socket)));
            self.sort_ids(&mut ids, Field::Numa);
            out.extend(ids);
        }
        out
    }

    fn sort_sockets(&self) -> Vec<i64> {
        if !self.numa_first {
            let mut ids = ids_where(&self.details, Field::Socket, None);
            self.sort_ids(&mut ids, Field::Socket);
            return ids;
        }
        let mut out = Vec::new();
        for numa in self.sort_numa_nodes() {
            let mut ids = ids_where(&self.details, Field::Socket, Some((Field::Numa, numa)));
            self.sort_ids(&mut ids, Field::Socket);
            out.extend(ids);
        }
        out
    }

    fn sort_cores(&self) -> Vec<i64> {
        let (outer, field) = if self.numa_first {
            (self.sort_sockets(), Field::Socket)
        } else {
            (self.sort_numa_nodes(), Field::Numa)
        };
        let mut out = Vec::new();
        for id in outer {
            let mut ids = ids_where(&self.details, Field::Core, Some((field, id)));
            self.sort_ids(&mut ids, Field::Core);
            out.extend(ids);
        }
        out
    }

    fn sort_cpus(&self) -> Vec<i64> {
        self.sort_cores()
            .into_iter()
            .flat_map(|c| cpus_where(&self.details, Field::Core, c))
            .collect()
    }

    fn take(&mut self, cpus: &Set) {
        self.result.extend(cpus.iter().copied());
        let left: Set = cpus_of(&self.details)
            .difference(&self.result)
            .copied()
            .collect();
        self.details = keep_only(&self.details, &left);
        self.need -= cpus.len() as i64;
    }

    fn satisfied(&self) -> bool {
        self.need < 1
    }

    /// Takes, in order, every free unit whose size is still needed whole.
    fn take_full(&mut self, order: Vec<i64>, field: Field, free: impl Fn(&Acc, i64) -> bool) {
        let units: Vec<i64> = order.into_iter().filter(|id| free(self, *id)).collect();
        for id in units {
            let cpus = cpus_where(&self.topo.details, field, id);
            if self.need < cpus.len() as i64 {
                continue;
            }
            self.take(&cpus);
        }
    }

    fn take_full_numa_nodes(&mut self) {
        let order = self.sort_numa_nodes();
        self.take_full(order, Field::Numa, |a, id| {
            cpus_where(&a.details, Field::Numa, id).len()
                == cpus_where(&a.topo.details, Field::Numa, id).len()
        });
    }

    /// A socket is free when it has CPUsPerSocket() available CPUs (never
    /// when cAdvisor reports 0 sockets).
    fn take_full_sockets(&mut self) {
        let order = self.sort_sockets();
        self.take_full(order, Field::Socket, |a, id| {
            cpus_where(&a.details, Field::Socket, id).len() as i64 == a.topo.cpus_per_socket()
        });
    }

    fn take_full_cores(&mut self) {
        let order = self.sort_cores();
        self.take_full(order, Field::Core, |a, id| {
            cpus_where(&a.details, Field::Core, id).len() as i64 == a.topo.cpus_per_core()
        });
    }
}

/// `takeByTopologyNUMAPacked` on a fully free machine; `None` when it
/// fails (the static policy then reports the size mismatch).
fn take_packed(topo: &Topology, n: i64) -> Option<Set> {
    let mut a = Acc::new(topo, &cpus_of(&topo.details), n);
    if a.satisfied() {
        return Some(a.result);
    }
    if a.need > a.details.len() as i64 {
        return None;
    }
    // NUMA nodes then sockets, or the reverse; then cores
    let numa_first = a.numa_first;
    for step in 0..3 {
        match (step, numa_first) {
            (0, true) | (1, false) => a.take_full_numa_nodes(),
            (0, false) | (1, true) => a.take_full_sockets(),
            _ => a.take_full_cores(),
        }
        if a.satisfied() {
            return Some(a.result);
        }
    }
    for cpu in a.sort_cpus() {
        a.take(&Set::from([cpu]));
        if a.satisfied() {
            return Some(a.result);
        }
    }
    None
}

// ---- Go's sort.Slice before Go 1.19 (sort/zfuncversion.go, slice.go) ------

struct GoSort<'a, F: Fn(&[i64], usize, usize) -> bool> {
    x: &'a mut [i64],
    less: F,
}

impl<F: Fn(&[i64], usize, usize) -> bool> GoSort<'_, F> {
    fn less(&self, i: usize, j: usize) -> bool {
        (self.less)(self.x, i, j)
    }

    fn swap(&mut self, i: usize, j: usize) {
        self.x.swap(i, j);
    }

    fn insertion_sort(&mut self, a: usize, b: usize) {
        for i in a + 1..b {
            let mut j = i;
            while j > a && self.less(j, j - 1) {
                self.swap(j, j - 1);
                j -= 1;
            }
        }
    }

    fn sift_down(&mut self, lo: usize, hi: usize, first: usize) {
        let mut root = lo;
        loop {
            let mut child = 2 * root + 1;
            if child >= hi {
                break;
            }
            if child + 1 < hi && self.less(first + child, first + child + 1) {
                child += 1;
            }
            if !self.less(first + root, first + child) {
                return;
            }
            self.swap(first + root, first + child);
            root = child;
        }
    }

    fn heap_sort(&mut self, a: usize, b: usize) {
        let first = a;
        let hi = b - a;
        let mut i = (hi as isize - 1) / 2;
        while i >= 0 {
            self.sift_down(i as usize, hi, first);
            i -= 1;
        }
        let mut i = hi as isize - 1;
        while i >= 0 {
            self.swap(first, first + i as usize);
            self.sift_down(0, i as usize, first);
            i -= 1;
        }
    }

    fn median_of_three(&mut self, m1: usize, m0: usize, m2: usize) {
        if self.less(m1, m0) {
            self.swap(m1, m0);
        }
        if self.less(m2, m1) {
            self.swap(m2, m1);
            if self.less(m1, m0) {
                self.swap(m1, m0);
            }
        }
    }

    fn do_pivot(&mut self, lo: usize, hi: usize) -> (usize, usize) {
        let m = (lo + hi) >> 1;
        if hi - lo > 40 {
            let s = (hi - lo) / 8;
            self.median_of_three(lo, lo + s, lo + 2 * s);
            self.median_of_three(m, m - s, m + s);
            self.median_of_three(hi - 1, hi - 1 - s, hi - 1 - 2 * s);
        }
        self.median_of_three(lo, m, hi - 1);
        let pivot = lo;
        let (mut a, mut c) = (lo + 1, hi - 1);
        while a < c && self.less(a, pivot) {
            a += 1;
        }
        let mut b = a;
        loop {
            while b < c && !self.less(pivot, b) {
                b += 1;
            }
            while b < c && self.less(pivot, c - 1) {
                c -= 1;
            }
            if b >= c {
                break;
            }
            self.swap(b, c - 1);
            b += 1;
            c -= 1;
        }
        let mut protect = hi - c < 5;
        if !protect && hi - c < (hi - lo) / 4 {
            let mut dups = 0;
            if !self.less(pivot, hi - 1) {
                self.swap(c, hi - 1);
                c += 1;
                dups += 1;
            }
            if !self.less(b - 1, pivot) {
                b -= 1;
                dups += 1;
            }
            if !self.less(m, pivot) {
                self.swap(m, b - 1);
                b -= 1;
                dups += 1;
            }
            protect = dups > 1;
        }
        if protect {
            loop {
                while a < b && !self.less(b - 1, pivot) {
                    b -= 1;
                }
                while a < b && self.less(a, pivot) {
                    a += 1;
                }
                if a >= b {
                    break;
                }
                self.swap(a, b - 1);
                a += 1;
                b -= 1;
            }
        }
        self.swap(pivot, b - 1);
        (b - 1, c)
    }

    fn quick_sort(&mut self, mut a: usize, mut b: usize, mut max_depth: usize) {
        while b - a > 12 {
            if max_depth == 0 {
                self.heap_sort(a, b);
                return;
            }
            max_depth -= 1;
            let (mlo, mhi) = self.do_pivot(a, b);
            if mlo - a < b - mhi {
                self.quick_sort(a, mlo, max_depth);
                a = mhi;
            } else {
                self.quick_sort(mhi, b, max_depth);
                b = mlo;
            }
        }
        if b - a > 1 {
            for i in a + 6..b {
                if self.less(i, i - 6) {
                    self.swap(i, i - 6);
                }
            }
            self.insertion_sort(a, b);
        }
    }
}

/// `sort.Slice(x, less)` as Go 1.8–1.18 implement it; `less` gets the
/// slice as it is now and two indices, as the kubelet's closures do.
fn go_sort_slice_old(x: &mut [i64], less: impl Fn(&[i64], usize, usize) -> bool) {
    let n = x.len();
    let mut depth = 0;
    let mut i = n;
    while i > 0 {
        depth += 1;
        i >>= 1;
    }
    GoSort { x, less }.quick_sort(0, n, depth * 2);
}

// ---- the 1.9–1.22 take -----------------------------------------------------

/// What the old take reads of the topology, for one Discover variant.
struct OldTopo {
    num_cpus: i64,
    num_cores: i64,
    num_sockets: i64,
    socket: BTreeMap<i64, i64>,
    core: BTreeMap<i64, i64>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    /// 1.9–1.19: socket = the topology node id, NumSockets = len(Topology).
    A,
    /// 1.20 (PR 90980): the core's socket_id, NumSockets = len(Topology).
    H,
    /// 1.22+ (PRs 99464/99493): socket_id and num_sockets.
    B,
}

impl OldTopo {
    fn of(m: &MachineInfo, v: Variant) -> OldTopo {
        let mut t = OldTopo {
            num_cpus: m.num_cores(),
            num_cores: 0,
            num_sockets: 0,
            socket: BTreeMap::new(),
            core: BTreeMap::new(),
        };
        for node in &m.topology {
            t.num_cores += node.cores.len() as i64;
            for c in &node.cores {
                let core_id = c.threads.iter().copied().min().unwrap_or_default();
                for &cpu in &c.threads {
                    t.core.insert(cpu, core_id);
                    t.socket.insert(
                        cpu,
                        if v == Variant::A {
                            node.id
                        } else {
                            c.socket_id
                        },
                    );
                }
            }
        }
        t.num_sockets = if v == Variant::B {
            m.num_sockets()
        } else {
            m.topology.len() as i64
        };
        t
    }

    fn cpus_per_socket(&self) -> i64 {
        if self.num_sockets == 0 {
            0
        } else {
            self.num_cpus / self.num_sockets
        }
    }

    fn cpus_per_core(&self) -> i64 {
        if self.num_cores == 0 {
            0
        } else {
            self.num_cpus / self.num_cores
        }
    }
}

/// The Discover variants a release may have used (1.21 is either of the
/// last two; kubernetes issue 99457).
fn old_variants(rel: u8) -> &'static [Variant] {
    match rel {
        ..=19 => &[Variant::A],
        20 => &[Variant::H],
        21 => &[Variant::H, Variant::B],
        _ => &[Variant::B],
    }
}

#[derive(Clone)]
struct OldAcc<'a> {
    t: &'a OldTopo,
    avail: Set,
    need: i64,
    result: Set,
}

fn where_in(set: &Set, field: &BTreeMap<i64, i64>, id: i64) -> Set {
    set.iter()
        .filter(|c| field.get(c) == Some(&id))
        .copied()
        .collect()
}

fn field_ids(set: &Set, field: &BTreeMap<i64, i64>) -> Vec<i64> {
    let s: Set = set.iter().filter_map(|c| field.get(c).copied()).collect();
    s.into_iter().collect()
}

impl OldAcc<'_> {
    fn take(&mut self, cpus: &Set) {
        self.result.extend(cpus.iter().copied());
        self.avail = self.avail.difference(&self.result).copied().collect();
        self.need -= cpus.len() as i64;
    }

    fn needs(&self, n: i64) -> bool {
        self.need >= n
    }

    fn is_socket_free(&self, s: i64) -> bool {
        where_in(&self.avail, &self.t.socket, s).len() as i64 == self.t.cpus_per_socket()
    }

    fn is_core_free(&self, c: i64) -> bool {
        where_in(&self.avail, &self.t.core, c).len() as i64 == self.t.cpus_per_core()
    }

    /// `CoresInSockets(s).Filter(isCoreFree).ToSlice()`.
    fn free_cores_in(&self, s: i64) -> Vec<i64> {
        field_ids(&where_in(&self.avail, &self.t.socket, s), &self.t.core)
            .into_iter()
            .filter(|c| self.is_core_free(*c))
            .collect()
    }

    /// `freeCPUs()`: the cores sorted with the kubelet's (non-strict)
    /// comparator, their available CPUs ascending.
    fn free_cpus(&self) -> Vec<i64> {
        let mut cores = field_ids(&self.avail, &self.t.core);
        let all: Set = self.t.core.keys().copied().collect();
        let socket_of = |core: i64| -> i64 {
            let first = where_in(&all, &self.t.core, core)
                .into_iter()
                .next()
                .unwrap_or_default();
            self.t.socket.get(&first).copied().unwrap_or_default()
        };
        go_sort_slice_old(&mut cores, |cs, i, j| {
            let (ic, jc) = (cs[i], cs[j]);
            let (is, js) = (socket_of(ic), socket_of(jc));
            let colo = |s| {
                where_in(&all, &self.t.socket, s)
                    .intersection(&self.result)
                    .count()
            };
            let sfree = |s| where_in(&self.avail, &self.t.socket, s).len();
            let cfree = |c| where_in(&self.avail, &self.t.core, c).len();
            colo(is) > colo(js)
                || sfree(is) < sfree(js)
                || cfree(ic) < cfree(jc)
                || is < js
                || ic < jc
        });
        cores
            .into_iter()
            .flat_map(|c| where_in(&self.avail, &self.t.core, c))
            .collect()
    }

    /// The distinct orders freeCores() can put the sockets in, over every
    /// initial (map) order; `None` when there are too many to enumerate.
    fn socket_orders(&self) -> Option<Vec<Vec<i64>>> {
        let sockets = field_ids(&self.avail, &self.t.socket);
        let free: BTreeMap<i64, usize> = sockets
            .iter()
            .map(|s| (*s, self.free_cores_in(*s).len()))
            .collect();
        if free.values().collect::<BTreeSet<_>>().len() <= 1 {
            return Some(vec![sockets]);
        }
        if sockets.len() > 8 {
            return None;
        }
        let mut out: Vec<Vec<i64>> = Vec::new();
        permutations(&sockets, |p| {
            let mut p = p.to_vec();
            go_sort_slice_old(&mut p, |x, i, j| free[&x[i]] < free[&x[j]] || x[i] < x[j]);
            if !out.contains(&p) {
                out.push(p);
            }
        });
        Some(out)
    }

    /// 2. whole cores (sockets in `order`), 3. single threads.
    fn take_rest(mut self, order: Option<&[i64]>) -> Option<Set> {
        if let Some(order) = order {
            let cores: Vec<i64> = order.iter().flat_map(|s| self.free_cores_in(*s)).collect();
            for c in cores {
                let cpus = where_in(&self.avail, &self.t.core, c);
                self.take(&cpus);
                if self.need < 1 {
                    return Some(self.result);
                }
                if !self.needs(self.t.cpus_per_core()) {
                    break;
                }
            }
        }
        for cpu in self.free_cpus() {
            if self.needs(1) {
                self.take(&Set::from([cpu]));
            }
            if self.need < 1 {
                return Some(self.result);
            }
        }
        None
    }
}

/// Calls `f` with every permutation of `x` (Heap's algorithm, as the oracle
/// enumerates them); the memory checks use it too.
pub(super) fn permutations<T: Copy>(x: &[T], mut f: impl FnMut(&[T])) {
    let mut p = x.to_vec();
    let mut c = vec![0usize; p.len()];
    f(&p);
    let mut i = 0;
    while i < p.len() {
        if c[i] < i {
            if i % 2 == 0 {
                p.swap(0, i);
            } else {
                p.swap(c[i], i);
            }
            f(&p);
            c[i] += 1;
            i = 0;
        } else {
            c[i] = 0;
            i += 1;
        }
    }
}

/// One Discover variant: the possible reserved sets (`None` entry: the take
/// failed), or `None` when they cannot be enumerated.
fn take_old_one(t: &OldTopo, n: i64) -> Option<Vec<Option<Set>>> {
    let mut a = OldAcc {
        t,
        avail: t.core.keys().copied().collect(),
        need: n,
        result: Set::new(),
    };
    if a.need < 1 {
        return Some(vec![Some(a.result)]);
    }
    if a.need > a.avail.len() as i64 {
        return Some(vec![None]);
    }
    if a.needs(t.cpus_per_socket()) {
        for s in field_ids(&a.avail, &t.socket) {
            if !a.is_socket_free(s) {
                continue;
            }
            let cpus = where_in(&a.avail, &t.socket, s);
            a.take(&cpus);
            if a.need < 1 {
                return Some(vec![Some(a.result)]);
            }
            if !a.needs(t.cpus_per_socket()) {
                break;
            }
        }
    }
    let orders = if a.needs(t.cpus_per_core()) {
        a.socket_orders()?.into_iter().map(Some).collect()
    } else {
        vec![None]
    };
    Some(
        orders
            .iter()
            .map(|o: &Option<Vec<i64>>| a.clone().take_rest(o.as_deref()))
            .collect(),
    )
}

fn old_hint(rel: u8) -> &'static str {
    if rel >= 17 {
        " to the reserved set that kubelet logged (\"... not available for exclusive assignment\")"
    } else {
        " (it exists from 1.17; for older releases the oracle cannot check this node)"
    }
}

/// The reserved set a 1.9–1.22 kubelet derives for `n` CPUs on a fully
/// free machine (oracle `nodeTakeOld`): every Discover variant and socket
/// order of the release is run, and the set is given only when all agree.
fn take_old(m: &MachineInfo, rel: u8, n: i64) -> Result<Option<Set>, NodeError> {
    let mut sets: Vec<Option<Set>> = Vec::new();
    let mut shown: Vec<String> = Vec::new();
    for &v in old_variants(rel) {
        let t = OldTopo::of(m, v);
        let Some(res) = take_old_one(&t, n) else {
            return Err(NodeError::Undetermined(format!("cannot derive kubelet 1.{rel}'s reserved CPUs here: with more than 8 sockets of unequal free cores its take depends on Go map order in ways the oracle does not enumerate; set reservedSystemCPUs{}", old_hint(rel))));
        };
        for r in res {
            if !sets.contains(&r) {
                shown.push(format!(
                    "{:?}",
                    r.as_ref().map_or("failed".to_owned(), set_string)
                ));
                sets.push(r);
            }
        }
    }
    if sets.len() > 1 {
        shown.sort();
        return Err(NodeError::Undetermined(format!("kubelet 1.{rel}'s reserved CPU set is not determined by node.json: its take (1.9-1.22: Go map order in freeCores, non-strict sort comparators, per-release socket ids in topology.Discover) can give any of {} here; set reservedSystemCPUs{}", shown.join(", "), old_hint(rel))));
    }
    Ok(sets.pop().flatten())
}

// ---- server.go: the --reserved-cpus list ----------------------------------

/// `reservedSystemCPUs` as server.go `run()` checks it (a value that does
/// not parse never gets here: validation rejects it first):
/// 1.17–1.21 only a range check against `NumCores` (an offline CPU below it
/// passes); 1.22+ (PR 98152, `getReservedCPUs`) Discover, then the set
/// must be a subset of the online CPUs.
pub(crate) fn reserved_cpus(node: &Node, s: &str, rel: Release) -> Result<Vec<i64>, NodeError> {
    let m = &node.machine_info;
    let parsed = CpuSet::parse(s);
    if rel.minor() < 22 {
        let set = parsed.map_err(|e| NodeError::Kubelet(e.to_string()))?;
        let l: Vec<i64> = set.iter().collect();
        if let (Some(lo), Some(hi)) = (l.first(), l.last()) {
            if *lo < 0 || *hi >= m.num_cores() {
                return Err(NodeError::Kubelet(format!(
                    "Invalid cpuset {} specified by --reserved-cpus",
                    quote(s)
                )));
            }
        }
        return Ok(l);
    }
    let topo = discover(m).map_err(|e| match e {
        NodeError::Kubelet(t) => {
            NodeError::Kubelet(format!("unable to discover CPU topology info: {t}"))
        }
        other => other,
    })?;
    let set = parsed
        .map_err(|e| NodeError::Kubelet(format!("unable to parse reserved-cpus list: {e}")))?;
    let all = topo.cpus();
    if !set.is_subset_of(&all) {
        return Err(NodeError::Kubelet(format!(
            "reserved-cpus: {s} is not a subset of online-cpus: {all}"
        )));
    }
    Ok(set.iter().collect())
}

// ---- the CPU manager's construction ---------------------------------------

/// The CPU manager as `NewManager` built it (oracle `nodeCPUPolicy`).
#[derive(Debug, Clone)]
pub enum CpuPolicy {
    /// The none policy: no start checks.
    None,
    /// The static policy: what `validateState` needs.
    Static(StaticCpuPolicy),
}

/// What `NewStaticPolicy` computed.
#[derive(Debug, Clone)]
pub struct StaticCpuPolicy {
    /// The node's topology.
    pub topology: Topology,
    /// The reserved CPUs.
    pub reserved: CpuSet,
    /// `strict-cpu-reservation` (1.32+).
    pub strict: bool,
    /// `PodLevelResourceManagers` (1.36+): pod-level sets count in check 4.
    pub pod_level: bool,
}

/// The static policy options the kubelet knows (1.22–1.37); all take a
/// bool (`policy_options.go`).
const CPU_OPTIONS: &[&str] = &[
    "full-pcpus-only",
    "distribute-cpus-across-numa",
    "align-by-socket",
    "distribute-cpus-across-cores",
    "strict-cpu-reservation",
    "prefer-align-cpus-by-uncorecache",
];

/// Go's `strconv.ParseBool`.
fn parse_bool(s: &str) -> Result<bool, NumError> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(NumError {
            func: "ParseBool",
            num: s.to_owned(),
            kind: NumErrorKind::Syntax,
        }),
    }
}

/// What the kubelet does with the node before it reads the CPU manager's
/// state file, for release `rel` (oracle `nodeCPUConstruct`): the
/// configuration checks every kubelet makes whatever the policies
/// ([`start_config`]), then `cpumanager.NewManager` for the configured
/// policy: none (refuses options), unknown names (1.16+; older releases
/// fall back to none), static: Discover, the cpu reservation, options,
/// the reserved set (`reservedSystemCPUs`, else the release's take) and its
/// size. These errors stop the kubelet before any checkpoint is read.
pub fn cpu_construct(rel: Release, node: &Node) -> Result<CpuPolicy, NodeError> {
    let kc = &node.kubelet_config;
    let res = start_config(node, rel)?;
    match kc.cpu_policy_name(rel) {
        "none" => {
            // NewNonePolicy (seen at 0f7ba33a; options exist from 1.22)
            if !kc.cpu_manager_policy_options.is_empty() {
                let opts: Vec<String> = kc
                    .cpu_manager_policy_options
                    .iter()
                    .map(|(k, v)| format!("{k}:{v}"))
                    .collect();
                return Err(NodeError::Kubelet(format!(
                    "None policy: received unsupported options=map[{}]",
                    opts.join(" ")
                )));
            }
            return Ok(CpuPolicy::None);
        }
        "static" => {}
        _ => {
            return Err(NodeError::Kubelet(format!(
                "unknown policy: \"{}\"",
                kc.cpu_policy()
            )))
        }
    }
    let topo = discover(&node.machine_info)?;
    let Some(q) = res.allocatable.get("cpu") else {
        return Err(NodeError::Kubelet(
            "[cpumanager] unable to determine reserved CPU resources for static policy".into(),
        ));
    };
    if q.is_zero() {
        return Err(NodeError::Kubelet("[cpumanager] the static policy requires systemreserved.cpu + kubereserved.cpu to be greater than zero".into()));
    }
    let milli = q.milli_value();
    let num_reserved = milli / 1000 + i64::from(milli % 1000 != 0);
    let mut strict = false;
    let mut derive = Vec::new();
    for (name, v) in &kc.cpu_manager_policy_options {
        if !CPU_OPTIONS.contains(&name.as_str()) {
            return Err(NodeError::Kubelet(format!(
                "unknown CPU Manager Policy option: {}",
                quote(name)
            )));
        }
        let b = parse_bool(v).map_err(|e| {
            NodeError::Kubelet(format!("bad value for option {}: {e}", quote(name)))
        })?;
        match name.as_str() {
            "strict-cpu-reservation" => strict = b,
            "distribute-cpus-across-numa"
            | "distribute-cpus-across-cores"
            | "prefer-align-cpus-by-uncorecache"
                if b =>
            {
                derive.push(name.clone())
            }
            _ => {}
        }
    }
    let r = rel.minor();
    let reserved: Set = if !res.reserved_cpus.is_empty() {
        res.reserved_cpus.iter().copied().collect()
    } else {
        if let Some(opt) = derive.first() {
            return Err(NodeError::Undetermined(format!("cannot derive the reserved CPU set with policy option {} (the kubelet's take differs there); set reservedSystemCPUs to the set the kubelet logged as \"Reserved CPUs not available for exclusive assignment\"", quote(opt))));
        }
        if r <= 22 {
            take_old(&node.machine_info, r, num_reserved)?.unwrap_or_default()
        } else if r >= 37 && !topo.uniform() {
            return Err(NodeError::Undetermined(format!("cannot derive kubelet 1.{r}'s reserved CPUs on this node: 1.37 (PR 140498) tests sockets and cores for being free against their actual CPU counts, the oracle models only machines where every socket and every core has the same number of CPUs; set reservedSystemCPUs to the set the kubelet logged as \"Reserved CPUs not available for exclusive assignment\"")));
        } else {
            take_packed(&topo, num_reserved).unwrap_or_default()
        }
    };
    if reserved.len() as i64 != num_reserved {
        return Err(NodeError::Kubelet(format!(
            "[cpumanager] unable to reserve the required amount of CPUs (size of {} did not equal {num_reserved})",
            set_string(&reserved)
        )));
    }
    // NewStaticPolicy maps each reserved CPU to its core (1.32+ as read).
    if r >= 32 {
        if let Some(cpu) = reserved.iter().find(|c| !topo.details.contains_key(c)) {
            return Err(NodeError::Kubelet(format!("[cpumanager] unable to build the reserved physical CPUs from the reserved set: unknown CPU ID: {cpu}")));
        }
    }
    Ok(CpuPolicy::Static(StaticCpuPolicy {
        topology: topo,
        reserved: CpuSet::from_ids(reserved),
        strict,
        pod_level: kc.gate("PodLevelResourceManagers"),
    }))
}

// ---- validateState ----------------------------------------------------------

/// One exclusive assignment of a restored CPU state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuAssignment {
    /// The pod UID (1.18+ shapes); empty for container-ID keys (file, V1).
    pub pod: String,
    /// The container name (1.18+), or the container ID (file, V1).
    pub container: String,
    /// The CPUs it holds.
    pub cpus: CpuSet,
}

/// What `validateState` reads of a restored CPU manager state, whatever
/// the shape (oracle `nodeCPUState`); fill it with
/// [`super::cpu_state_view`] or by hand.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CpuStateView {
    /// The file's `policyName`.
    pub policy_name: String,
    /// The default (shared) set.
    pub default_set: CpuSet,
    /// Exclusive assignments, sorted by pod then container (the kubelet
    /// walks maps in random order; with several bad ones it may name any).
    pub assignments: Vec<CpuAssignment>,
    /// `len(GetCPUAssignments())`: pod keys (1.18+, a pod without
    /// containers counts) or container IDs.
    pub num_keys: usize,
    /// Pod-level sets (`podEntries`, V3/V4), sorted by pod UID.
    pub pod_sets: Vec<CpuSet>,
}

/// The validateState texts of a release line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpuEra {
    /// 1.8–1.11 file backend: container-ID keys, no topology check.
    File,
    /// 1.12–1.17: + topology check (PR 66718), container-ID keys.
    V1,
    /// 1.18+: pod/container keys.
    V2,
}

/// `staticPolicy.Start` → `validateState` (spec §8.3; oracle
/// `nodeCPUStart`): empty default, reserved vs default (strict or not),
/// overlaps with the default, and (1.12+) default ∪ assignments (∪ pod-level
/// sets with the gate) = all CPUs (minus the reserved ones when strict).
pub fn cpu_start(rel: Release, policy: &CpuPolicy, st: &CpuStateView) -> Result<(), NodeError> {
    let CpuPolicy::Static(p) = policy else {
        return Ok(());
    };
    let era = rel.cpu_era();
    let k = |s: String| Err(NodeError::Kubelet(s));
    let mut all = p.topology.cpus();
    if p.strict {
        all = all.difference(&p.reserved);
    }
    let def = &st.default_set;
    if def.is_empty() {
        if st.num_keys != 0 {
            return k("default cpuset cannot be empty".into());
        }
        return Ok(());
    }
    if p.strict {
        let inter = p.reserved.intersection(def);
        if !inter.is_empty() {
            return k(format!(
                "some of strictly reserved cpus: \"{inter}\" are present in defaultCpuSet: \"{def}\""
            ));
        }
    } else if !p.reserved.is_subset_of(def) {
        return k(format!(
            "not all reserved cpus: \"{}\" are present in defaultCpuSet: \"{def}\"",
            p.reserved
        ));
    }
    for a in &st.assignments {
        if def.intersection(&a.cpus).is_empty() {
            continue;
        }
        return k(if era == CpuEra::V2 {
            format!(
                "pod: {}, container: {} cpuset: \"{}\" overlaps with default cpuset \"{def}\"",
                a.pod, a.container, a.cpus
            )
        } else {
            format!(
                "container id: {} cpuset: \"{}\" overlaps with default cpuset \"{def}\"",
                a.container, a.cpus
            )
        });
    }
    if era == CpuEra::File {
        return Ok(());
    }
    let mut known = def.clone();
    for a in &st.assignments {
        known = known.union(&a.cpus);
    }
    if p.pod_level {
        for s in &st.pod_sets {
            known = known.union(s);
        }
    }
    if known != all {
        return k(format!(
            "current set of available CPUs \"{all}\" doesn't match with CPUs in state \"{known}\""
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::node::config::{Core, NumaNode};

    /// Two NUMA nodes = two sockets, cores {0,4},{1,5} | {2,6},{3,7}
    /// (`oracle node-example`).
    fn example() -> MachineInfo {
        let node = |id: i64, cores: [[i64; 2]; 2]| NumaNode {
            id,
            memory: 8 << 30,
            hugepages: vec![],
            cores: cores
                .iter()
                .enumerate()
                .map(|(i, t)| Core {
                    id: i as i64,
                    threads: t.to_vec(),
                    socket_id: id,
                })
                .collect(),
        };
        MachineInfo {
            topology: vec![node(0, [[0, 4], [1, 5]]), node(1, [[2, 6], [3, 7]])],
            ..Default::default()
        }
    }

    // Expected sets from spec §8.2 ("1 CPU: 0; 2: 0,4; 3 on the two-NUMA
    // example: 0-1,4").
    #[test]
    fn packed_take_on_the_example() {
        let topo = discover(&example()).unwrap();
        let take = |n| set_string(&take_packed(&topo, n).unwrap());
        assert_eq!(take(1), "0");
        assert_eq!(take(2), "0,4");
        assert_eq!(take(3), "0-1,4");
        assert!(take_packed(&topo, 9).is_none());
    }

    #[test]
    fn old_take_agrees_on_symmetric_machines() {
        for n in 1..=8 {
            let m = example();
            let packed = take_packed(&discover(&m).unwrap(), n).map(|s| set_string(&s));
            for rel in [19, 20, 22] {
                let old = take_old(&m, rel, n).unwrap().map(|s| set_string(&s));
                assert_eq!(old, packed, "n={n} rel={rel}");
            }
        }
    }

    #[test]
    fn go_sort_sorts_strict_orders() {
        let mut v: Vec<i64> = (0..100).rev().map(|i| (i * 37) % 101).collect();
        go_sort_slice_old(&mut v, |x, i, j| x[i] < x[j]);
        assert!(v.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn parse_bool_error_text() {
        assert_eq!(
            parse_bool("yes").unwrap_err().to_string(),
            "strconv.ParseBool: parsing \"yes\": invalid syntax"
        );
    }
}
