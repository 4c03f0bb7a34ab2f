// Command gen writes tests/data/float/go_floats.tsv: for pseudo-random and
// hand-picked float64/float32 bit patterns, Go's
// strconv.FormatFloat(f, 'g', -1, bits) (what go-spew prints) and
// encoding/json's encoding (or ERR for NaN/Inf).
//
//	GO111MODULE=off go run tests/data/float/gen.go > tests/data/float/go_floats.tsv
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os"
	"runtime"
	"strconv"
)

func jsonText(v interface{}) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "ERR"
	}
	return string(b)
}

func main() {
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	fmt.Fprintf(w, "# Go %s strconv 'g' shortest and encoding/json float texts. Generator: tests/data/float/gen.go (rand seed 1).\n", runtime.Version())
	fmt.Fprintln(w, "bits\thex\tg\tjson")
	r := rand.New(rand.NewSource(1))
	var f64s []float64
	for _, x := range []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 0.2, 0.3, 1e21, 1e20, 999999999999999999999.0, 1e-6, 1e-7, 9.999999e-7,
		123456, 1234567, 1e6, 999999.5, 0.0001, 0.00001, 5e-324, math.MaxFloat64, math.SmallestNonzeroFloat64,
		2.2250738585072014e-308, 9007199254740993, 1.5e300, 1 << 62, 100, 3.0e-5, 12345678.9, math.Pi, math.E,
		math.NaN(), math.Inf(1), math.Inf(-1)} {
		f64s = append(f64s, x)
	}
	for i := 0; i < 1500; i++ {
		switch i % 3 {
		case 0:
			f64s = append(f64s, math.Float64frombits(r.Uint64()))
		case 1:
			f64s = append(f64s, r.NormFloat64()*math.Pow(10, float64(r.Intn(60)-30)))
		default:
			f64s = append(f64s, float64(r.Int63n(1<<53))/math.Pow(10, float64(r.Intn(25))))
		}
	}
	for _, f := range f64s {
		fmt.Fprintf(w, "64\t%016x\t%s\t%s\n", math.Float64bits(f), strconv.FormatFloat(f, 'g', -1, 64), jsonText(f))
	}
	var f32s []float32
	for _, x := range []float32{0, float32(math.Copysign(0, -1)), 0.1, 16777217, math.MaxFloat32, math.Float32frombits(1),
		1e21, 1e20, 1e-6, 1e-7, 9.999999e-7, 1.0 / 3.0, 1e10, 123456, 1234567, float32(math.NaN()), float32(math.Inf(1))} {
		f32s = append(f32s, x)
	}
	for i := 0; i < 1000; i++ {
		switch i % 2 {
		case 0:
			f32s = append(f32s, math.Float32frombits(r.Uint32()))
		default:
			f32s = append(f32s, float32(r.NormFloat64()*math.Pow(10, float64(r.Intn(40)-20))))
		}
	}
	for _, f := range f32s {
		fmt.Fprintf(w, "32\t%08x\t%s\t%s\n", math.Float32bits(f), strconv.FormatFloat(float64(f), 'g', -1, 32), jsonText(f))
	}
}
