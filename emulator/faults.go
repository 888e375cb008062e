package emulator

import (
	"cmp"
	"net/http"
	"strconv"
	"time"
)

// Fault is an injected failure for the next Count calls of a kind.
//
// Op is one of "auth" (POST /v3/auth/tokens), "list", "get", "create",
// "update", "delete" (lease calls), "hosts", "devices", "networks",
// "floatingips" (inventory and allocation reads), "neutron", or "any".
// A Fault with neither Status nor Drop only adds Latency.
//
// Op "start" is not a call: the next Count leases created go to ERROR when they start,
// showing Reason (StartErrorReason if empty) as status_reason. "any" does not include it.
type Fault struct {
	Site       string        // "" = any site
	Op         string        // see above; "" = "any"
	Status     int           // e.g. 500, 503, 429; 0 with Drop
	RetryAfter int           // seconds, for 429/503
	Drop       bool          // close the connection without answering
	Count      int           // next N matching calls (0 = 1)
	Skip       int           // let this many matching calls through first
	Latency    time.Duration // added before answering
	Reason     string        // Op "start": why the lease went to ERROR
}

// StartErrorReason is the status_reason of a lease put into ERROR by a "start" fault.
const StartErrorReason = "start_lease failed: the emulator injected a fault (--fault start:error)"

// takeStartFault consumes a queued "start" fault for a lease created at site; the caller
// holds the lock.
func (e *Emulator) takeStartFault(site string) (string, bool) {
	for i, f := range e.faults {
		if f.Op == "start" && (f.Site == "" || f.Site == site) {
			if f.Count--; f.Count <= 0 {
				e.faults = append(e.faults[:i], e.faults[i+1:]...)
			}
			return cmp.Or(f.Reason, StartErrorReason), true
		}
	}
	return "", false
}

// InjectFault queues a fault; faults are consumed in the order injected.
func (e *Emulator) InjectFault(f Fault) {
	if f.Count <= 0 {
		f.Count = 1
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = append(e.faults, &f)
}

// Calls is how many calls of a kind (an Op of Fault, or "versions") a site
// received, faulted ones included. Site "" counts every site; op "any"
// counts every kind.
func (e *Emulator) Calls(site, op string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for k, c := range e.calls {
		ks, kop, _ := cut(k)
		if (site == "" || site == ks) && (op == "any" || op == kop) {
			n += c
		}
	}
	return n
}

func cut(k string) (string, string, bool) {
	for i := 0; i < len(k); i++ {
		if k[i] == 0 {
			return k[:i], k[i+1:], true
		}
	}
	return k, "", false
}

func (e *Emulator) count(site, op string) {
	e.mu.Lock()
	e.calls[site+"\x00"+op]++
	e.mu.Unlock()
}

// applyFaults counts the call and plays the first matching fault, or a
// random 503 at FaultRate for Blazar calls. It reports whether the request
// has been answered (or dropped).
func (e *Emulator) applyFaults(w http.ResponseWriter, r *http.Request, site, op string, blazar bool) bool {
	e.mu.Lock()
	e.calls[site+"\x00"+op]++
	var hit *Fault
	for i, f := range e.faults {
		if f.Op != "start" && (f.Site == "" || f.Site == site) && (f.Op == "" || f.Op == "any" || f.Op == op) {
			if f.Skip > 0 {
				f.Skip--
				continue
			}
			c := *f
			hit = &c
			f.Count--
			if f.Count <= 0 {
				e.faults = append(e.faults[:i], e.faults[i+1:]...)
			}
			break
		}
	}
	random := hit == nil && blazar && e.cfg.FaultRate > 0 && e.rng.Float64() < e.cfg.FaultRate
	e.mu.Unlock()
	if random {
		hit = &Fault{Status: http.StatusServiceUnavailable}
	}
	if hit == nil {
		return false
	}
	if hit.Latency > 0 {
		sleepCtx(r.Context(), hit.Latency)
	}
	if hit.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	}
	if hit.Status == 0 {
		return false
	}
	if hit.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(hit.RetryAfter))
	}
	blazarHeaders(w)
	msg := http.StatusText(hit.Status)
	if msg == "" {
		msg = "Error"
	}
	writeBlazarError(w, &apiError{Status: hit.Status, Msg: msg})
	return true
}
