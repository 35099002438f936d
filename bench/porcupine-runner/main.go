// Command porcupine-runner times Porcupine's linearizability checker on history files, for
// bench/checker.bench.js. It is faultline's code, built by the bench in a temporary directory
// against Porcupine's public source (nothing of Porcupine is kept in faultline).
//
//	porcupine-runner -format kv|jepsen -rounds 5 -timeout 60s file...
//
// For each file it prints one JSON line: the verdict and the time of each round, where a
// round parses the file's text and checks it (the same work faultline's side is timed on).
//
// Semantics match faultline's reading of the files: an operation that never returned, or
// ended :info, may have taken effect at any later time with any result; a Jepsen read that
// failed :timed-out is the same; a :fail cas did not match. Porcupine's models have state
// hashing (its newest feature), as its own key-value tests use.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

type kvInput struct {
	op    uint8 // 0 get, 1 put, 2 append
	key   string
	value string
}

type kvOutput struct {
	value   string
	unknown bool
}

var kvModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		for _, op := range history {
			k := op.Input.(kvInput).key
			byKey[k] = append(byKey[k], op)
		}
		keys := make([]string, 0, len(byKey))
		for k := range byKey {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, byKey[k])
		}
		return parts
	},
	Init: func() interface{} { return "" },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		in := input.(kvInput)
		out := output.(kvOutput)
		s := state.(string)
		switch in.op {
		case 0:
			return out.unknown || out.value == s, s
		case 1:
			return true, in.value
		default:
			return true, s + in.value
		}
	},
	Hash: func(state interface{}) uint64 {
		h := fnv.New64a()
		h.Write([]byte(state.(string)))
		return h.Sum64()
	},
}

const nilValue = math.MinInt64

type casInput struct {
	op       uint8 // 0 read, 1 write, 2 cas
	arg, to  int
	argIsNil bool
}

type casOutput struct {
	value   int // nilValue for nil
	ok      bool
	unknown bool
}

var casModel = porcupine.Model{
	Init: func() interface{} { return nilValue },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		s := state.(int)
		in := input.(casInput)
		out := output.(casOutput)
		switch in.op {
		case 0:
			return out.unknown || out.value == s, s
		case 1:
			return true, in.arg
		default:
			match := in.arg == s
			next := s
			if match {
				next = in.to
			}
			if out.unknown {
				// Took effect if it matched; one that did not match changed nothing.
				return true, next
			}
			return match == out.ok, next
		}
	},
	Hash: func(state interface{}) uint64 { return uint64(state.(int)) * 0x9e3779b97f4a7c15 },
}

// field returns what follows `name` up to the next ", " or "}" (quoted strings kept whole).
func field(line, name string) (string, bool) {
	i := strings.Index(line, name)
	if i < 0 {
		return "", false
	}
	rest := line[i+len(name):]
	if strings.HasPrefix(rest, "\"") {
		end := 1
		for end < len(rest) && rest[end] != '"' {
			if rest[end] == '\\' {
				end++
			}
			end++
		}
		return rest[:end+1], true
	}
	end := strings.IndexAny(rest, ",}")
	if end < 0 {
		end = len(rest)
	}
	return rest[:end], true
}

type pending struct {
	input interface{}
	call  int64
	f     string
}

func parseKv(text []byte) ([]porcupine.Operation, error) {
	var ops []porcupine.Operation
	open := map[int]pending{}
	scanner := bufio.NewScanner(bytes.NewReader(text))
	scanner.Buffer(make([]byte, 1<<20), 1<<26)
	for t := int64(0); scanner.Scan(); t++ {
		line := scanner.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		procText, _ := field(line, ":process ")
		typ, _ := field(line, ":type :")
		f, _ := field(line, ":f :")
		keyText, _ := field(line, ":key ")
		valueText, _ := field(line, ":value ")
		proc, err := strconv.Atoi(procText)
		if err != nil {
			return nil, fmt.Errorf("line %d: bad process %q", t+1, procText)
		}
		key, _ := strconv.Unquote(keyText)
		value := ""
		if valueText != "nil" {
			if value, err = strconv.Unquote(valueText); err != nil {
				return nil, fmt.Errorf("line %d: bad value %q", t+1, valueText)
			}
		}
		switch typ {
		case "invoke":
			op := map[string]uint8{"get": 0, "put": 1, "append": 2}[f]
			open[proc] = pending{kvInput{op, key, value}, t, f}
		case "ok", "info", "fail":
			p := open[proc]
			delete(open, proc)
			if typ == "fail" {
				continue
			}
			out := kvOutput{value: value, unknown: typ == "info"}
			ret := t
			if typ == "info" {
				ret = math.MaxInt64
			}
			ops = append(ops, porcupine.Operation{ClientId: proc, Input: p.input, Call: p.call, Output: out, Return: ret})
		}
	}
	for proc, p := range open {
		ops = append(ops, porcupine.Operation{ClientId: proc, Input: p.input, Call: p.call, Output: kvOutput{unknown: true}, Return: math.MaxInt64})
	}
	return ops, nil
}

func parseInt(s string) (int, bool, error) {
	if s == "nil" {
		return nilValue, true, nil
	}
	v, err := strconv.Atoi(s)
	return v, false, err
}

func parseJepsen(text []byte) ([]porcupine.Operation, error) {
	var ops []porcupine.Operation
	open := map[int]pending{}
	scanner := bufio.NewScanner(bytes.NewReader(text))
	for t := int64(0); scanner.Scan(); t++ {
		line := scanner.Text()
		i := strings.Index(line, "jepsen.util - ")
		if i < 0 {
			continue
		}
		fields := strings.Fields(line[i+len("jepsen.util - "):])
		if len(fields) < 4 {
			continue
		}
		proc, err := strconv.Atoi(fields[0])
		if err != nil {
			continue // the nemesis
		}
		typ, f, value := fields[1][1:], fields[2][1:], strings.Join(fields[3:], " ")
		if typ == "invoke" {
			var in casInput
			switch f {
			case "read":
				in.op = 0
			case "write":
				in.op = 1
				in.arg, _, err = parseInt(value)
			case "cas":
				in.op = 2
				parts := strings.Fields(strings.Trim(value, "[]"))
				if len(parts) == 2 {
					in.arg, _, err = parseInt(parts[0])
					if err == nil {
						in.to, _, err = parseInt(parts[1])
					}
				}
			}
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", t+1, err)
			}
			open[proc] = pending{in, t, f}
			continue
		}
		p, found := open[proc]
		if !found {
			continue
		}
		delete(open, proc)
		in := p.input.(casInput)
		switch {
		case typ == "ok" && in.op == 0:
			v, _, err := parseInt(value)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", t+1, err)
			}
			ops = append(ops, porcupine.Operation{ClientId: proc, Input: in, Call: p.call, Output: casOutput{value: v}, Return: t})
		case typ == "ok":
			ops = append(ops, porcupine.Operation{ClientId: proc, Input: in, Call: p.call, Output: casOutput{ok: true}, Return: t})
		case typ == "fail" && in.op == 2:
			ops = append(ops, porcupine.Operation{ClientId: proc, Input: in, Call: p.call, Output: casOutput{ok: false}, Return: t})
		case typ == "fail" && in.op == 0 && value == ":timed-out":
			ops = append(ops, porcupine.Operation{ClientId: proc, Input: in, Call: p.call, Output: casOutput{unknown: true}, Return: math.MaxInt64})
		case typ == "fail":
			// Did not happen.
		default: // info
			ops = append(ops, porcupine.Operation{ClientId: proc, Input: in, Call: p.call, Output: casOutput{unknown: true}, Return: math.MaxInt64})
		}
	}
	for proc, p := range open {
		ops = append(ops, porcupine.Operation{ClientId: proc, Input: p.input, Call: p.call, Output: casOutput{unknown: true}, Return: math.MaxInt64})
	}
	return ops, nil
}

type result struct {
	File    string    `json:"file"`
	Verdict string    `json:"verdict"`
	Ms      []float64 `json:"ms"`
	Error   string    `json:"error,omitempty"`
}

func main() {
	format := flag.String("format", "kv", "kv or jepsen")
	rounds := flag.Int("rounds", 5, "timed rounds per file")
	timeout := flag.Duration("timeout", 60*time.Second, "Porcupine's timeout per check")
	flag.Parse()
	out := json.NewEncoder(os.Stdout)
	for _, file := range flag.Args() {
		res := result{File: file}
		text, err := os.ReadFile(file)
		for r := 0; err == nil && r < *rounds; r++ {
			started := time.Now()
			var ops []porcupine.Operation
			model := kvModel
			if *format == "jepsen" {
				model = casModel
				ops, err = parseJepsen(text)
			} else {
				ops, err = parseKv(text)
			}
			if err != nil {
				break
			}
			verdict := porcupine.CheckOperationsTimeout(model, ops, *timeout)
			res.Ms = append(res.Ms, float64(time.Since(started).Nanoseconds())/1e6)
			res.Verdict = map[porcupine.CheckResult]string{porcupine.Ok: "ok", porcupine.Illegal: "illegal", porcupine.Unknown: "unknown"}[verdict]
		}
		if err != nil {
			res.Error = err.Error()
		}
		_ = out.Encode(res)
	}
}
