// Command jsondiff is the Go side of tests/json_go_diff.rs: a differential
// check of our json.Unmarshal against Go's. It reads lines
// "TARGET<TAB>HEX(input)" from stdin and writes, per line,
// "VERDICT<TAB>HEX(err.Error())<TAB>HEX(go-spew %#v of the target)
// <TAB>MARSHAL-VERDICT<TAB>HEX(json.Marshal(target) or its error text)".
//
// The types are those of the spec vector generator (jsonvectors/main.go),
// with the stand-in Kubernetes packages of vectors/gen/gopath.
//
// Build: GO111MODULE=off GOPATH=/work/shared/spec/vectors/gen/gopath:/usr/share/gocode \
//        go build -o /tmp/jsondiff .
package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/davecgh/go-spew/spew"

	"k8s.io/kubernetes/pkg/kubelet/checkpointmanager/checksum"
	cpustate "k8s.io/kubernetes/pkg/kubelet/cm/cpumanager/state"
	"k8s.io/kubernetes/pkg/kubelet/cm/devicemanager/checkpoint"
	memstate "k8s.io/kubernetes/pkg/kubelet/cm/memorymanager/state"
)

var show = spew.ConfigState{Indent: " ", SortKeys: true, DisableMethods: true, SpewKeys: true, DisablePointerAddresses: true, DisableCapacities: true}

var _ = checksum.Checksum(0)
var _ = time.Time{}

type T struct {
	Name string         `json:"name"`
	N    int            `json:"n"`
	U8   uint8          `json:"u8"`
	U64  uint64         `json:"u64"`
	I32  int32          `json:"i32"`
	F    float64        `json:"f"`
	F32  float32        `json:"f32"`
	B    bool           `json:"b"`
	P    *int           `json:"p"`
	S    []string       `json:"s"`
	M    map[string]int `json:"m"`
	Sub  Sub            `json:"sub"`
	Data []byte         `json:"data"`
	Any  interface{}    `json:"any"`
}

type Sub struct {
	A int `json:"a"`
	B int `json:"b"`
}

type Fold struct {
	Foo string `json:"foo"`
	FOO string `json:"FOO"`
}

type Kind struct {
	Kind string `json:"kind"`
	S    string `json:"s"`
}

type Omit struct {
	I   int               `json:"i,omitempty"`
	U   uint64            `json:"u,omitempty"`
	F   float64           `json:"f,omitempty"`
	B   bool              `json:"b,omitempty"`
	S   string            `json:"s,omitempty"`
	P   *int              `json:"p,omitempty"`
	If  interface{}       `json:"if,omitempty"`
	Sl  []int             `json:"sl,omitempty"`
	M   map[string]int    `json:"m,omitempty"`
	A0  [0]int            `json:"a0,omitempty"`
	A1  [1]int            `json:"a1,omitempty"`
	St  struct{}          `json:"st,omitempty"`
	Ck  checksum.Checksum `json:"ck,omitempty"`
	By  []byte            `json:"by,omitempty"`
	Tm  time.Time         `json:"tm,omitempty"`
	PZ  *int              `json:"pz,omitempty"`
	Raw json.RawMessage   `json:"raw,omitempty"`
}

type Tags struct {
	Skip      int    `json:"-"`
	Dash      int    `json:"-,"`
	NoName    int    `json:",omitempty"`
	Renamed   int    `json:"renamed"`
	unexp     int    // never written or read
	Untagged  string // key is the Go field name
	BadTag    int    `json:"a\"b"` // invalid name: falls back to Go name
	Spacey    int    `json:"with space"`
	Unicode   int    `json:"ключ"`
	EmptyName int    `json:""`
}

type Quoted struct {
	I int64   `json:"i,string"`
	U uint64  `json:"u,string"`
	B bool    `json:"b,string"`
	F float64 `json:"f,string"`
	S string  `json:"s,string"`
	P *int    `json:"p,string"`
}

type Base struct {
	ID     string
	Shared int `json:"shared"`
}

type Other struct {
	Shared int `json:"shared"`
	X      int
}

type WithEmbed struct {
	Base
	Extra int
}

type Conflict struct {
	Base
	Other
}

type TaggedEmbed struct {
	Base `json:"base"`
}

type EmbedPtr struct {
	*Base
	Z int
}

type Dominant struct {
	Base
	Shared string `json:"shared"`
}

type inner struct{ V int }

type EmbedUnexported struct {
	inner
}

type Raw struct {
	R  json.RawMessage  `json:"r"`
	RP *json.RawMessage `json:"rp"`
}

type WithNumber struct {
	N json.Number `json:"n"`
}

type SubList struct {
	L []Sub `json:"l"`
}

type Arr struct {
	A [2]int `json:"a"`
}

type Bytes struct {
	B  []byte  `json:"b"`
	NB NamedB  `json:"nb"`
	A4 [4]byte `json:"a4"`
	I8 []int8  `json:"i8"`
	PB *[]byte `json:"pb"`
}

type NamedB []byte
type NamedS string
type NamedI int

func ip(v int) *int { return &v }

func target(name string) interface{} {
	switch name {
	case "T":
		return new(T)
	case "Tpre":
		return &T{Name: "old", N: 5, P: ip(9), S: []string{"x", "y"}, M: map[string]int{"old": 1}, Sub: Sub{A: 1, B: 2}, Data: []byte{1}}
	case "Fold":
		return new(Fold)
	case "Kind":
		return new(Kind)
	case "Quoted":
		return new(Quoted)
	case "WithEmbed":
		return new(WithEmbed)
	case "EmbedPtr":
		return new(EmbedPtr)
	case "Conflict":
		return new(Conflict)
	case "Tags":
		return new(Tags)
	case "TaggedEmbed":
		return new(TaggedEmbed)
	case "Dominant":
		return new(Dominant)
	case "EmbedUnexported":
		return new(EmbedUnexported)
	case "Raw":
		return new(Raw)
	case "WithNumber":
		return new(WithNumber)
	case "SubList":
		return new(SubList)
	case "Arr":
		return &Arr{A: [2]int{8, 9}}
	case "Bytes":
		return new(Bytes)
	case "MapSub":
		return &map[string]Sub{"a": {A: 1, B: 2}, "k": {A: 3}}
	case "PtrSub":
		return &struct{ P *Sub }{P: &Sub{A: 1, B: 2}}
	case "Iface":
		return new(interface{})
	case "CPU":
		return new(cpustate.CPUManagerCheckpoint)
	case "CPUpre":
		return &cpustate.CPUManagerCheckpoint{Entries: map[string]map[string]string{}}
	case "Mem":
		return new(memstate.MemoryManagerCheckpoint)
	case "Dev":
		return new(checkpoint.Data)
	case "DevMap":
		return new(checkpoint.DevicesPerNUMA)
	}
	panic("unknown target " + name)
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		name, hx, _ := strings.Cut(in.Text(), "\t")
		data, err := hex.DecodeString(hx)
		if err != nil {
			panic(err)
		}
		t := target(name)
		err = json.Unmarshal(data, t)
		verdict, msg := "ok", ""
		if err != nil {
			verdict, msg = "error", err.Error()
		}
		s := show.Sprintf("%#v", reflect.ValueOf(t).Elem().Interface())
		// Then json.Marshal of whatever the target holds now.
		mverdict, mout := "ok", []byte(nil)
		if b, err := json.Marshal(reflect.ValueOf(t).Elem().Interface()); err != nil {
			mverdict, mout = "error", []byte(err.Error())
		} else {
			mout = b
		}
		fmt.Fprintf(out, "%s\t%s\t%s\t%s\t%s\n", verdict, hex.EncodeToString([]byte(msg)), hex.EncodeToString([]byte(s)), mverdict, hex.EncodeToString(mout))
	}
}
