// Command extra writes tests/data/spew/extra.tsv: edge cases of go-spew
// 1.1.1's %#v beyond the spec corpus (cycles in untyped positions, the
// star-count quirk, panics on unexported map keys, methods in SpewKeys
// strings, more leak shapes), printed by the kubelet's printer.
//
// Run from the repository root:
//
//	GO111MODULE=off GOPATH=/work/shared/spec/vectors/gen/gopath:/usr/share/gocode \
//	  go run tests/data/spew/gen/extra.go > tests/data/spew/extra.tsv
package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"runtime"

	"github.com/davecgh/go-spew/spew"
	"vecutil"
)

var printer = spew.ConfigState{Indent: " ", SortKeys: true, DisableMethods: true, SpewKeys: true}

type Inner struct {
	X int
	Y string
}

type Tree struct {
	Name string
	Kids []*Tree
}

type Tree2 struct {
	Kids []*Tree2
	N    int
}

type MNode struct {
	Name string
	M    map[string]*MNode
}

type Err string

func (e Err) Error() string { return "error:" + string(e) }

type Str struct{ N int }

func (s Str) String() string { return fmt.Sprintf("S%d", 100-s.N) }

// PS has a pointer-receiver String method.
type PS struct{ N int }

func (p *PS) String() string { return fmt.Sprintf("P%d", 100-p.N) }

type KE struct{ E Err }

type inner2 struct{ Z int }

type WithEmbeddedHidden struct {
	inner2
	A int
}

type hiddenArr struct {
	m map[[1]int]string
}

type hiddenArr1 struct {
	m map[[1]int]string
}

type hiddenIface struct {
	m map[interface{}]int
}

type hiddenPtr struct {
	m map[*int]int
}

type hiddenEmptyArr struct {
	m map[[0]int]int
}

type hiddenNested struct {
	A int
	h struct {
		M map[string]int
		K map[Str]int
	}
	B string
}

type LeakIface struct {
	S []*int
	I interface{}
	J int
}

type LeakMapField struct {
	S []*int
	M map[string]int
	T []int
	U string
}

type LeakDeep struct {
	L []struct {
		M map[string]*int
	}
	N int
}

func pInt(v int) *int { return &v }

type tc struct {
	name  string
	value interface{}
}

func cases() []tc {
	var nilIntPtr *int
	var nilIface interface{}
	var nilErr error
	var nilMapPtr *map[string]*int
	x := 5
	px := &x

	tree := &Tree{Name: "root"}
	tree.Kids = []*Tree{{Name: "kid"}, tree}
	mnode := &MNode{Name: "a"}
	mnode.M = map[string]*MNode{"self": mnode}
	mnode2 := &MNode{Name: "b"}
	mnode2.M = map[string]*MNode{"a": {Name: "c"}, "z": mnode2}

	tree2 := &Tree2{N: 1}
	tree2.Kids = []*Tree2{tree2}

	var ifaceHoldingPtr interface{} = px
	var ifaceHoldingNilPtr interface{} = nilIntPtr

	return []tc{
		{"cycle_last_slice_elem_leaks", tree},
		{"cycle_last_map_value_leaks", mnode},
		{"cycle_leak_into_next_field", tree2},
		{"cycle_map_value_then_more", mnode2},
		{"untyped_ptr_to_nil_map_ptr_star_count", map[string]**map[string]*int{"a": &nilMapPtr}},
		{"typed_ptr_to_nil_map_ptr", &nilMapPtr},
		{"complex64", complex64(complex(1.5, 0.25))},
		{"complex_nan_imag", complex(1, math.NaN())},
		{"complex_inf_imag", complex(-1, math.Inf(1))},
		{"complex_neg_zero_imag", complex(0, math.Copysign(0, -1))},
		{"float32_max", float32(math.MaxFloat32)},
		{"float32_smallest_denormal", math.Float32frombits(1)},
		{"float32_third", float32(1.0 / 3.0)},
		{"float64_third", 1.0 / 3.0},
		{"float64_999999_5", 999999.5},
		{"float64_1e-4_boundary", 0.000123},
		{"float32_slice", []float32{0.1, 1e10, -2.5e-5}},
		{"map_uintptr_keys", map[uintptr]int{0: 1, 0xff: 2, 1: 3}},
		{"map_array_string_keys", map[[2]string]int{{"b", "a"}: 1, {"a", "z"}: 2, {"a", "b"}: 3}},
		{"map_err_field_struct_keys_methods", map[KE]int{{"b"}: 1, {"a"}: 2, {"c"}: 3}},
		{"map_ptr_receiver_stringer_keys", map[PS]int{{1}: 1, {2}: 2, {3}: 3}},
		{"map_iface_keys_holding_stringers", map[interface{}]int{Str{1}: 1, Str{3}: 3, "x": 0}},
		{"embedded_unexported_struct", WithEmbeddedHidden{inner2{7}, 1}},
		{"hidden_array_keys_two_panic", hiddenArr{m: map[[1]int]string{{2}: "b", {1}: "a"}}},
		{"hidden_array_keys_one_no_panic", hiddenArr1{m: map[[1]int]string{{1}: "a"}}},
		{"hidden_iface_keys_panic", hiddenIface{m: map[interface{}]int{"a": 1}}},
		{"hidden_ptr_keys_panic", hiddenPtr{m: map[*int]int{pInt(1): 1}}},
		{"hidden_empty_array_keys_no_panic", hiddenEmptyArr{m: map[[0]int]int{{}: 1}}},
		{"hidden_nested_struct_string_keys_ok", hiddenNested{A: 1, B: "b", h: struct {
			M map[string]int
			K map[Str]int
		}{M: map[string]int{"z": 1, "a": 2}}}},
		{"hidden_nested_struct_keys_panic_midway", hiddenNested{A: 1, B: "b", h: struct {
			M map[string]int
			K map[Str]int
		}{M: map[string]int{"z": 1}, K: map[Str]int{{1}: 1}}}},
		{"iface_field_holding_ptr_ptr", struct{ A interface{} }{&px}},
		{"slice_iface_holding_nil_struct_ptr", []interface{}{(*Inner)(nil), 1}},
		{"ptr_to_iface_holding_ptr", &ifaceHoldingPtr},
		{"ptr_to_iface_holding_nil_ptr", &ifaceHoldingNilPtr},
		{"slice_of_ptr_to_nil_iface", []*interface{}{&nilIface}},
		{"slice_of_ptr_to_nil_iface_then_field", struct {
			S []*interface{}
			N int
		}{[]*interface{}{&nilIface}, 2}},
		{"leak_reset_by_interface_field", LeakIface{S: []*int{nil}, I: 5, J: 6}},
		{"leak_into_nil_interface_field", LeakIface{S: []*int{nil}, I: nil, J: 6}},
		{"leak_into_map_field", LeakMapField{S: []*int{nil}, M: map[string]int{"a": 1}, T: nil, U: "u"}},
		{"leak_into_nil_map_field", LeakMapField{S: []*int{nil}, M: nil, T: []int{1}, U: "u"}},
		{"leak_deep_nested", LeakDeep{L: []struct{ M map[string]*int }{{M: map[string]*int{"k": nil}}}, N: 3}},
		{"top_nil_error", nilErr},
		{"top_interface_slice_of_nil_errors", []error{nil, Err("x")}},
		{"map_string_to_error_values", map[string]error{"a": Err("x"), "b": nil}},
		{"bool_slice", []bool{true, false}},
		{"nested_arrays", [2][2]int8{{1, -1}, {0, 2}}},
		{"map_nested_array_keys", map[[2][1]int]int{{{2}, {1}}: 1, {{1}, {9}}: 2, {{1}, {3}}: 3}},
		{"map_bool_array_keys", map[[2]bool]int{{true, false}: 1, {false, true}: 2, {false, false}: 3}},
		{"map_int_keys_to_nil_ptr_last_then_field", struct {
			M map[int]*Inner
			S string
		}{map[int]*Inner{-5: {X: 1}, 10: nil, 2: {}}, "s"}},
		{"map_interface_keys_with_nil", map[interface{}]string{nil: "n", 1: "i", "": "s"}},
	}
}

func main() {
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	fmt.Fprintln(w, "# go-spew %#v edge cases. Generator: tests/data/spew/gen/extra.go (go-spew v1.1.1, Go "+runtimeVersion()+").")
	fmt.Fprintln(w, "# printer: spew.ConfigState{Indent:\" \", SortKeys:true, DisableMethods:true, SpewKeys:true}.Sprintf(\"%#v\", value).")
	fmt.Fprintln(w, "# escaping in go_type and spew cells: "+vecutil.EscapeRule+".")
	fmt.Fprintln(w, "case\tgo_type\tspew\tfnv32a")
	for _, c := range cases() {
		out := printer.Sprintf("%#v", c.value)
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\n", c.name, vecutil.Esc(fmt.Sprintf("%T", c.value)), vecutil.Esc(out), vecutil.FNV32a(out))
	}
}

func runtimeVersion() string { return runtime.Version() }
