//! The memory manager against the node (spec §8.4; oracle
//! `node_memory.go`): `NewManager` (`validateReservedMemory`,
//! `convertReserved`, `NewPolicyStatic`), the default machine state from
//! cAdvisor's per-NUMA memory and huge pages, and `validateState` /
//! `areMachineStatesEqual` per release: 1.21–1.31 compare each NUMA node's
//! tables exactly, 1.32+ (PR 127074) compare free and reserved summed over
//! each node's cell group. Sources: pkg/kubelet/cm/memorymanager/
//! {memory_manager.go,policy_static.go} (spec §8.7).

use std::collections::{BTreeMap, BTreeSet};

use super::config::{hugepage_name, MemoryReservation};
use super::qty::Qty;
use super::{start_config, Node, NodeError, Release};

/// The text the oracle prints for a nil dereference the kubelet would
/// crash on.
pub const NIL_PANIC: &str =
    "panic: runtime error: invalid memory address or nil pointer dereference";

/// The memory manager as `NewManager` built it.
#[derive(Debug, Clone)]
pub enum MemoryPolicy {
    /// `None`: no start checks.
    None,
    /// `Static`: what `validateState` needs.
    Static(StaticMemoryPolicy),
}

/// A NUMA node as the default machine state reads it: id, MemTotal
/// (bytes), and per huge page size (resource name) the pool's bytes.
type NodeMemory = (i64, u64, Vec<(String, u64)>);

/// What `NewPolicyStatic` computed (oracle `nodeMemPolicy`).
#[derive(Debug, Clone)]
pub struct StaticMemoryPolicy {
    /// NUMA id -> (memory, huge page sizes) of the node, from MachineInfo.
    topology: Vec<NodeMemory>,
    /// `systemReservedMemory`: NUMA id -> resource -> bytes.
    pub reserved: BTreeMap<i64, BTreeMap<String, u64>>,
    /// `PodLevelResourceManagers` (1.36+): pod-level blocks are accounted.
    pub pod_level: bool,
    /// The release (decides the comparison).
    pub release: Release,
}

/// What the kubelet does with the node before it reads the memory
/// manager's state file (oracle `nodeMemConstruct`): [`start_config`], then
/// `memorymanager.NewManager`: `None`; `BestEffort` (Windows only from 1.32,
/// PR 128560; unknown before); `Static`: reservedMemory against the node
/// allocatable reservation, its conversion to int64, and some reserved
/// `memory` on some node.
pub fn memory_construct(rel: Release, node: &Node) -> Result<MemoryPolicy, NodeError> {
    let kc = &node.kubelet_config;
    let res = start_config(node, rel)?;
    let k = |s: String| Err(NodeError::Kubelet(s));
    match kc.memory_policy() {
        "None" => return Ok(MemoryPolicy::None),
        "Static" => {}
        "BestEffort" if rel.minor() >= 32 => {
            return k("policy \"BestEffort\" is not available for platform \"linux\"".into())
        }
        other => {
            return k(format!(
                "unknown policy: {}",
                crate::go::strconv::quote(other)
            ))
        }
    }
    let numas: BTreeSet<i64> = node.machine_info.topology.iter().map(|n| n.id).collect();
    validate_reserved_memory(&numas, &res.allocatable, &kc.reserved_memory)?;
    let mut reserved: BTreeMap<i64, BTreeMap<String, u64>> =
        numas.iter().map(|id| (*id, BTreeMap::new())).collect();
    for r in &kc.reserved_memory {
        for (name, q) in &r.limits {
            let Some(v) = q.qty().as_int64() else {
                return k("could not covert a variable of type Quantity to int64".into());
            };
            reserved
                .entry(i64::from(r.numa_node))
                .or_default()
                .insert(name.clone(), v as u64);
        }
    }
    let total = reserved.values().fold(0u64, |a, n| {
        a.wrapping_add(n.get("memory").copied().unwrap_or(0))
    });
    if total == 0 {
        return k("[memorymanager] you should specify the system reserved memory".into());
    }
    let topology = node
        .machine_info
        .topology
        .iter()
        .map(|n| {
            let hp = n
                .hugepages
                .iter()
                .map(|h| {
                    (
                        hugepage_name(h.page_size),
                        h.num_pages.wrapping_mul(h.page_size).wrapping_mul(1024),
                    )
                })
                .collect();
            (n.id, n.memory, hp)
        })
        .collect();
    Ok(MemoryPolicy::Static(StaticMemoryPolicy {
        topology,
        reserved,
        pod_level: kc.gate("PodLevelResourceManagers"),
        release: rel,
    }))
}

/// `validateReservedMemory`: every reservation names an existing NUMA node,
/// then per memory type (memory, hugepages-*) the sum over reservedMemory
/// equals the node allocatable reservation (types sorted; the kubelet walks
/// a map).
fn validate_reserved_memory(
    numas: &BTreeSet<i64>,
    allocatable: &BTreeMap<String, Qty>,
    reservations: &[MemoryReservation],
) -> Result<(), NodeError> {
    let mut totals: BTreeMap<String, Qty> = BTreeMap::new();
    for r in reservations {
        if !numas.contains(&i64::from(r.numa_node)) {
            return Err(NodeError::Kubelet(format!("the reserved memory configuration references a NUMA node {} that does not exist on this machine", r.numa_node)));
        }
        for (name, q) in &r.limits {
            // the new entry is the limit with the running total added to it
            let mut q = q.qty();
            if let Some(t) = totals.get(name) {
                q.add(t);
            }
            totals.insert(name.clone(), q);
        }
    }
    let mut types: BTreeSet<&String> = totals.keys().collect();
    types.extend(
        allocatable
            .keys()
            .filter(|n| *n == "memory" || is_hugepages(n)),
    );
    for name in types {
        let mut alloc = Qty::zero_decimal();
        if let Some(v) = allocatable.get(name) {
            alloc.add(v);
        }
        let mut reserved = Qty::zero_decimal();
        if let Some(v) = totals.get(name) {
            reserved.add(v);
        }
        if alloc.cmp_value(&reserved) != std::cmp::Ordering::Equal {
            return Err(NodeError::Kubelet(format!(
                "the total amount \"{}\" of type \"{name}\" is not equal to the value \"{}\" determined by Node Allocatable feature",
                reserved.string(),
                alloc.string()
            )));
        }
    }
    Ok(())
}

fn is_hugepages(name: &str) -> bool {
    name.len() > 10 && name.starts_with("hugepages-")
}

// ---- the state ---------------------------------------------------------------

/// `state.MemoryTable`, bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemTable {
    /// `total`.
    pub total: u64,
    /// `systemReserved`.
    pub system_reserved: u64,
    /// `allocatable`.
    pub allocatable: u64,
    /// `reserved`.
    pub reserved: u64,
    /// `free`.
    pub free: u64,
}

/// `state.NUMANodeState`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NumaState {
    /// `numberOfAssignments`.
    pub number_of_assignments: i64,
    /// Resource -> table; `None` is a `null` table (crashes the kubelet).
    pub memory_map: BTreeMap<String, Option<MemTable>>,
    /// `cells`.
    pub cells: Vec<i64>,
}

/// `state.Block`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemBlock {
    /// `numaAffinity`.
    pub numa_affinity: Vec<i64>,
    /// `type`.
    pub kind: String,
    /// `size`, bytes.
    pub size: u64,
}

/// What `validateState` reads of a restored memory manager state, whatever
/// the shape (oracle `nodeMemState`); fill it with
/// [`super::memory_state_view`] or by hand.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryStateView {
    /// The file's `policyName`.
    pub policy_name: String,
    /// NUMA id -> node state; `None` is a `null` node.
    pub machine: BTreeMap<i64, Option<NumaState>>,
    /// pod UID -> container -> blocks (a pod without containers is kept).
    pub entries: BTreeMap<String, BTreeMap<String, Vec<MemBlock>>>,
    /// pod UID -> pod-level blocks (`podEntries`, V2/V3).
    pub pod_blocks: BTreeMap<String, Vec<MemBlock>>,
}

/// The end of the restore, under every policy: `SetMachineState` clones
/// every table through its pointer, so a `null` table crashes the kubelet
/// once the policy names matched (a `null` node is copied as such). The
/// memory kinds' own restore reports it too (`formats::memory::restore_clone`);
/// this is for views filled by hand, and [`memory_start`] runs it first.
pub fn memory_restore_clone(st: &MemoryStateView) -> Result<(), NodeError> {
    let null_table = st
        .machine
        .values()
        .flatten()
        .any(|n| n.memory_map.values().any(Option::is_none));
    if null_table {
        return Err(NodeError::Kubelet(NIL_PANIC.into()));
    }
    Ok(())
}

type Machine = BTreeMap<i64, Option<NumaState>>;

impl StaticMemoryPolicy {
    /// `getDefaultMachineState`: per NUMA node a table per huge page size
    /// and one for memory, in wrapping uint64 arithmetic as in the kubelet.
    fn default_machine_state(&self) -> Machine {
        let mut ms = Machine::new();
        let mut hp: BTreeMap<i64, u64> = BTreeMap::new();
        for (id, memory, pages) in &self.topology {
            let mut ns = NumaState {
                cells: vec![*id],
                ..Default::default()
            };
            let res = self.reserved.get(id);
            let sys_of = |name: &str| res.and_then(|r| r.get(name)).copied().unwrap_or(0);
            for (name, total) in pages {
                let sys = sys_of(name);
                let free = total.wrapping_sub(sys);
                ns.memory_map.insert(
                    name.clone(),
                    Some(MemTable {
                        total: *total,
                        system_reserved: sys,
                        allocatable: free,
                        reserved: 0,
                        free,
                    }),
                );
                let e = hp.entry(*id).or_insert(0);
                *e = e.wrapping_add(*total);
            }
            let sys = sys_of("memory");
            let alloc = memory
                .wrapping_sub(sys)
                .wrapping_sub(hp.get(id).copied().unwrap_or(0));
            ns.memory_map.insert(
                "memory".into(),
                Some(MemTable {
                    total: *memory,
                    system_reserved: sys,
                    allocatable: alloc,
                    reserved: 0,
                    free: alloc,
                }),
            );
            ms.insert(*id, Some(ns));
        }
        ms
    }

    /// `areMachineStatesEqual(file, expected)`; `Err` for a crash.
    fn states_equal(&self, ms1: &Machine, ms2: &Machine) -> Result<bool, NodeError> {
        let group_sums = self.release.minor() >= 32;
        let panic = || Err(NodeError::Kubelet(NIL_PANIC.into()));
        if ms1.len() != ms2.len() {
            return Ok(false);
        }
        for (id, n1) in ms1 {
            let Some(n2) = ms2.get(id) else {
                return Ok(false);
            };
            let Some(n1) = n1 else { return panic() };
            let Some(n2) = n2 else { return panic() };
            let sorted = |v: &[i64]| {
                let mut v = v.to_vec();
                v.sort_unstable();
                v
            };
            if n1.number_of_assignments != n2.number_of_assignments
                || sorted(&n1.cells) != sorted(&n2.cells)
                || n1.memory_map.len() != n2.memory_map.len()
            {
                return Ok(false);
            }
            for (name, t1) in &n1.memory_map {
                let Some(t2) = n2.memory_map.get(name) else {
                    return Ok(false);
                };
                let Some(t1) = t1 else { return panic() };
                let Some(t2) = t2 else { return panic() };
                if !group_sums {
                    if t1 != t2 {
                        return Ok(false);
                    }
                    continue;
                }
                if t1.total != t2.total
                    || t1.system_reserved != t2.system_reserved
                    || t1.allocatable != t2.allocatable
                {
                    return Ok(false);
                }
                let (mut f1, mut r1, mut f2, mut r2) = (0u64, 0u64, 0u64, 0u64);
                for cell in &n1.cells {
                    let table = |ms: &Machine| {
                        ms.get(cell)
                            .and_then(|n| n.as_ref())
                            .and_then(|n| n.memory_map.get(name).copied().flatten())
                    };
                    let (Some(c1), Some(c2)) = (table(ms1), table(ms2)) else {
                        return panic();
                    };
                    f1 = f1.wrapping_add(c1.free);
                    r1 = r1.wrapping_add(c1.reserved);
                    f2 = f2.wrapping_add(c2.free);
                    r2 = r2.wrapping_add(c2.reserved);
                }
                if f1 != f2 || r1 != r2 {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }
}

/// One unit of the replay: a container's blocks, or (1.36+ with the gate)
/// a pod's `podEntries` blocks with container name "".
struct Unit<'a> {
    pod: &'a str,
    container: &'a str,
    blocks: &'a [MemBlock],
}

/// The units the expected machine state is replayed from, in key order: a
/// pod's pod-level blocks when the pod-level gate is on and it has them,
/// else each container's.
fn units(st: &MemoryStateView, pod_level: bool) -> Vec<Unit<'_>> {
    let mut units = Vec::new();
    for (pod, cs) in &st.entries {
        if pod_level {
            if let Some(blocks) = st.pod_blocks.get(pod).filter(|b| !b.is_empty()) {
                units.push(Unit {
                    pod,
                    container: "",
                    blocks,
                });
                continue;
            }
        }
        for (c, blocks) in cs {
            units.push(Unit {
                pod,
                container: c,
                blocks,
            });
        }
    }
    units
}

/// `updateExpectedMachineState`: account blocks greedily in the order of
/// each block's NUMA list.
fn update(exp: &mut Machine, u: &Unit) -> Result<(), NodeError> {
    for b in u.blocks {
        let mut size = b.size;
        for id in &b.numa_affinity {
            let Some(Some(ns)) = exp.get_mut(id) else {
                return Err(NodeError::Kubelet(format!("[memorymanager] (pod: {}, container: {}) the memory assignment uses the NUMA that does not exist", u.pod, u.container)));
            };
            ns.number_of_assignments += 1;
            ns.cells = b.numa_affinity.clone();
            let Some(Some(t)) = ns.memory_map.get_mut(&b.kind) else {
                return Err(NodeError::Kubelet(format!("[memorymanager] (pod: {}, container: {}) the memory assignment uses memory resource that does not exist", u.pod, u.container)));
            };
            if size == 0 || t.free == 0 {
                continue;
            }
            if t.free >= size {
                t.reserved = t.reserved.wrapping_add(size);
                t.free -= size;
                size = 0;
                continue;
            }
            size -= t.free;
            t.reserved = t.reserved.wrapping_add(t.free);
            t.free = 0;
        }
    }
    Ok(())
}

/// The most replay orders tried before giving up.
const MAX_ORDERS: usize = 40320;

/// The replay orders to try, as index lists into `units` (sorted): one when
/// no NUMA node carries blocks with different affinity lists; else every
/// order the kubelet's nested map iteration can produce for the units that
/// touch such nodes. `None`: too many (oracle `nodeMemOrders`).
fn orders(units: &[Unit]) -> Option<Vec<Vec<usize>>> {
    let mut lists: BTreeMap<i64, BTreeSet<&[i64]>> = BTreeMap::new();
    for u in units {
        for b in u.blocks {
            for id in &b.numa_affinity {
                lists.entry(*id).or_default().insert(&b.numa_affinity);
            }
        }
    }
    // components: NUMA nodes joined by a unit's blocks
    let mut parent: BTreeMap<i64, i64> = BTreeMap::new();
    fn find(p: &mut BTreeMap<i64, i64>, x: i64) -> i64 {
        let px = *p.entry(x).or_insert(x);
        if px == x {
            return x;
        }
        let r = find(p, px);
        p.insert(x, r);
        r
    }
    for u in units {
        let nodes: Vec<i64> = u
            .blocks
            .iter()
            .flat_map(|b| b.numa_affinity.iter().copied())
            .collect();
        for i in 1..nodes.len() {
            let (a, b) = (find(&mut parent, nodes[0]), find(&mut parent, nodes[i]));
            parent.insert(a, b);
        }
    }
    let mut sensitive = BTreeSet::new();
    for (id, l) in &lists {
        if l.len() > 1 {
            sensitive.insert(find(&mut parent, *id));
        }
    }
    let all: Vec<usize> = (0..units.len()).collect();
    if sensitive.is_empty() {
        return Some(vec![all]);
    }
    let mut fixed = Vec::new();
    let mut pods: Vec<Vec<usize>> = Vec::new();
    for (i, u) in units.iter().enumerate() {
        let touches = u
            .blocks
            .iter()
            .flat_map(|b| &b.numa_affinity)
            .any(|id| sensitive.contains(&find(&mut parent, *id)));
        if !touches {
            fixed.push(i);
            continue;
        }
        match pods.last_mut() {
            Some(last) if units[last[0]].pod == u.pod => last.push(i),
            _ => pods.push(vec![i]),
        }
    }
    let mut count = 1usize;
    for n in std::iter::once(pods.len()).chain(pods.iter().map(Vec::len)) {
        for k in 2..=n {
            count = count.saturating_mul(k);
            if count > MAX_ORDERS {
                return None;
            }
        }
    }
    let inner: Vec<Vec<Vec<usize>>> = pods
        .iter()
        .map(|pod| {
            let mut perms = Vec::new();
            super::cpu::permutations(pod, |p| perms.push(p.to_vec()));
            perms
        })
        .collect();
    let pod_idx: Vec<usize> = (0..pods.len()).collect();
    let mut out = Vec::new();
    super::cpu::permutations(&pod_idx, |po| {
        fn rec(
            k: usize,
            po: &[usize],
            inner: &[Vec<Vec<usize>>],
            acc: Vec<usize>,
            fixed: &[usize],
            out: &mut Vec<Vec<usize>>,
        ) {
            if k == po.len() {
                let mut o = fixed.to_vec();
                o.extend(acc);
                out.push(o);
                return;
            }
            for perm in &inner[po[k]] {
                let mut a = acc.clone();
                a.extend(perm);
                rec(k + 1, po, inner, a, fixed, out);
            }
        }
        rec(0, po, &inner, Vec::new(), &fixed, &mut out);
    });
    Some(out)
}

/// `staticPolicy.Start` → `validateState` (spec §8.4; oracle
/// `nodeMemStart`): the restore's null-table crash, an empty machine state
/// with assignments, the replay of every assignment on the default machine
/// state ("does not exist" errors), then `areMachineStatesEqual`. Where the
/// verdict depends on the kubelet's (random) replay order, every order is
/// tried and a disagreement is `Undetermined`, as the oracle refuses.
pub fn memory_start(policy: &MemoryPolicy, st: &MemoryStateView) -> Result<(), NodeError> {
    let MemoryPolicy::Static(p) = policy else {
        return Ok(());
    };
    memory_restore_clone(st)?;
    if st.machine.is_empty() {
        if !st.entries.is_empty() {
            return Err(NodeError::Kubelet(
                "[memorymanager] machine state can not be empty when it has memory assignments"
                    .into(),
            ));
        }
        return Ok(());
    }
    let units = units(st, p.pod_level);
    let mut exp = p.default_machine_state();
    for u in &units {
        update(&mut exp, u)?;
    }
    let rel = p.release.minor();
    let Some(orders) = orders(&units) else {
        return Err(NodeError::Undetermined(format!("the expected memory state may depend on the order kubelet 1.{rel} replays the assignments (Go map order), and there are more than {MAX_ORDERS} orders to try")));
    };
    let mut verdicts: BTreeMap<String, usize> = BTreeMap::new();
    let mut first: Option<Result<(), NodeError>> = None;
    for order in &orders {
        let mut exp = p.default_machine_state();
        for &i in order {
            update(&mut exp, &units[i])?;
        }
        let r = match p.states_equal(&st.machine, &exp) {
            Ok(true) => Ok(()),
            Ok(false) => Err(NodeError::Kubelet(
                "[memorymanager] the expected machine state is different from the real one".into(),
            )),
            Err(e) => Err(e),
        };
        let key = match &r {
            Ok(()) => "ok".to_owned(),
            Err(e) => e.to_string(),
        };
        *verdicts.entry(key).or_default() += 1;
        first.get_or_insert(r);
    }
    if verdicts.len() > 1 {
        let parts: Vec<String> = verdicts
            .iter()
            .map(|(k, v)| format!("{v} of {}: {k}", orders.len()))
            .collect();
        return Err(NodeError::Undetermined(format!("kubelet 1.{rel}'s verdict depends on the order it replays the assignments (Go map order, random at each start): {}", parts.join("; "))));
    }
    first.unwrap_or(Ok(()))
}

/// What [`StaticMemoryPolicy::rebuild`] could not account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unaccounted {
    /// Pod UID.
    pub pod: String,
    /// Container name (`""`: the pod-level blocks).
    pub container: String,
    /// The kubelet's text for the failure.
    pub reason: String,
}

impl StaticMemoryPolicy {
    /// The machine state the Static policy expects for `st`'s assignments
    /// on this node: `getDefaultMachineState` plus each assignment replayed
    /// in key order (pod, then container), as `validateState` builds it. An
    /// assignment that cannot be accounted (a NUMA node or resource that no
    /// longer exists) is left out and returned. Used by repair to rebuild a
    /// machine state after the node changed.
    pub fn rebuild(
        &self,
        st: &MemoryStateView,
    ) -> (BTreeMap<i64, Option<NumaState>>, Vec<Unaccounted>) {
        let units = units(st, self.pod_level);
        let mut exp = self.default_machine_state();
        let mut dropped = Vec::new();
        for u in &units {
            let mut trial = exp.clone();
            match update(&mut trial, u) {
                Ok(()) => exp = trial,
                Err(e) => dropped.push(Unaccounted {
                    pod: u.pod.to_string(),
                    container: u.container.to_string(),
                    reason: e.to_string(),
                }),
            }
        }
        (exp, dropped)
    }
}
