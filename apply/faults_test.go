package apply_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/apply"
	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/emulator"
	"github.com/chameleoncloud/leasefile/plan"
	"github.com/chameleoncloud/leasefile/state"
	"github.com/google/go-cmp/cmp"
)

func TestCapacityFailureLetsOthersFinish(t *testing.T) {
	// Upstream's short message; the fork quotes the whole query (see emulator's tests).
	e := newEnv(t, envOpts{cfg: emulator.Config{Blazar: emulator.BlazarUpstream}})
	res, err := e.apply(planOf(
		create("big", "CHI@UC", hosts("gpus", 5, "gpu_a100_pcie")),
		create("small", "CHI@UC", hosts("nodes", 1, "compute_skylake")),
	), e.opts())
	if err == nil || err.Error() != "1 of 2 leases failed: big: Not enough hosts available" {
		t.Errorf("err = %v", err)
	}
	if len(res.Failed) != 1 || !blazar.IsKind(res.Failed[0].Err, blazar.Capacity) || res.Failed[0].Op != apply.OpCreate {
		t.Errorf("Failed = %+v, want one capacity failure of op create", res.Failed)
	}
	if len(res.Done) != 1 || res.Done[0].Key != "small" || res.Done[0].Status != "ACTIVE" {
		t.Errorf("Done = %v", res.Done)
	}
	f := e.saved()
	if d := cmp.Diff([]string{"small"}, f.Keys()); d != "" {
		t.Errorf("state keys (-want +got):\n%s", d)
	}
	if len(f.PendingIntents()) != 0 {
		t.Errorf("a refused create left an intent: %v", f.PendingIntents())
	}
	if d := cmp.Diff([]string{"big: creating...", "big: failed: Not enough hosts available"}, e.lines("big")); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
}

func TestErrorOnStartFails(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.onEvent = func(ev apply.Event) {
		if ev.Kind == apply.Created && ev.Key == "broken" {
			e.srv.FailOnStart("CHI@UC", e.leasesNamed("CHI@UC", "exp-broken")[0].ID)
		}
	}
	res, err := e.apply(planOf(
		create("broken", "CHI@UC", hosts("nodes", 1, "compute_skylake")),
		create("fine", "CHI@UC", hosts("nodes", 1, "compute_skylake")),
	), e.opts())
	if err == nil || !strings.Contains(err.Error(), "broken: lease went to ERROR") {
		t.Errorf("err = %v", err)
	}
	var se *apply.StatusError
	if len(res.Failed) != 1 || !errors.As(res.Failed[0].Err, &se) || se.Status != "ERROR" || res.Failed[0].Op != apply.OpWait {
		t.Errorf("Failed = %+v, want one ERROR failure of op wait", res.Failed)
	}
	if len(res.Done) != 1 || res.Done[0].Key != "fine" {
		t.Errorf("Done = %v", res.Done)
	}
	if l, _ := e.saved().Lease("broken"); l == nil || l.Status != "ERROR" {
		t.Errorf("state lease broken = %+v, want status ERROR recorded", l)
	}
}

// cutCreate wraps a transport so that the first lease create reaches Blazar
// but its answer is replaced by what fail returns; before answering it calls
// atCut, the moment a crash would lose the answer.
func cutCreate(fail func() (*http.Response, error), atCut func()) func(http.RoundTripper) http.RoundTripper {
	return func(next http.RoundTripper) http.RoundTripper {
		var once sync.Once
		return rtFunc(func(req *http.Request) (*http.Response, error) {
			resp, err := next.RoundTrip(req)
			cut := false
			if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/leases") {
				once.Do(func() { cut = true })
			}
			if !cut || err != nil {
				return resp, err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if atCut != nil {
				atCut()
			}
			return fail()
		})
	}
}

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func status503() (*http.Response, error) {
	return &http.Response{StatusCode: 503, Status: "503 Service Unavailable",
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   io.NopCloser(strings.NewReader(`{"error_code": 503, "error_message": "Service Unavailable", "error_name": 503}`))}, nil
}

func TestTransientCreateFailureAdoptsTheLease(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail func() (*http.Response, error)
	}{
		{"503", status503},
		{"connection reset", func() (*http.Response, error) { return nil, io.ErrUnexpectedEOF }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOpts{wrap: cutCreate(tc.fail, nil)})
			res := e.mustApply(planOf(create("training", "CHI@UC", hosts("gpus", 2, "compute_skylake"))))
			live := e.leasesNamed("CHI@UC", "exp-training")
			if len(live) != 1 {
				t.Fatalf("emulator has %d leases named exp-training, want exactly 1", len(live))
			}
			if n := e.srv.Calls("CHI@UC", "create"); n != 1 {
				t.Errorf("create calls = %d, want 1: a create must not be retried before looking", n)
			}
			if len(res.Done) != 1 || res.Done[0].LeaseID != live[0].ID || res.Done[0].Status != "ACTIVE" {
				t.Errorf("Done = %v", res.Done)
			}
			f := e.saved()
			l, _ := f.Lease("training")
			if l == nil || l.ID != live[0].ID || l.Reservations["gpus"].ID != live[0].Reservations[0].ID {
				t.Errorf("state lease = %+v", l)
			}
			if len(f.PendingIntents()) != 0 {
				t.Errorf("intents left: %v", f.PendingIntents())
			}
			if len(filter(e.lines("training"), "training: adopted (lease "+live[0].ID)) != 1 {
				t.Errorf("events = %q", e.lines("training"))
			}
		})
	}
}

// TestTransientCreateFailureClientClockAhead: the intent's time comes from the client's
// clock and created_at from Blazar's. With the client 30 s ahead, the lease the failed call
// made looks created before the intent; apply must still find it (within state.AdoptWindow,
// as plan would) instead of creating a second one.
func TestTransientCreateFailureClientClockAhead(t *testing.T) {
	e := newEnv(t, envOpts{wrap: cutCreate(status503, nil)})
	o := e.opts()
	o.Now = func() time.Time { return e.clock.Now().Add(30 * time.Second) }
	res, err := e.apply(planOf(create("training", "CHI@UC", hosts("gpus", 1, "compute_skylake"))), o)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	live := e.leasesNamed("CHI@UC", "exp-training")
	if len(live) != 1 {
		t.Fatalf("emulator has %d leases named exp-training, want exactly 1", len(live))
	}
	if n := e.srv.Calls("CHI@UC", "create"); n != 1 {
		t.Errorf("create calls = %d, want 1", n)
	}
	if len(res.Done) != 1 || res.Done[0].LeaseID != live[0].ID {
		t.Errorf("Done = %v", res.Done)
	}
}

func TestCrashBetweenCreateAndSaveLeavesIntent(t *testing.T) {
	var atCrash *state.File
	var e *env
	e = newEnv(t, envOpts{wrap: cutCreate(status503, func() {
		f, err := state.Load(e.path)
		if err != nil {
			t.Error(err)
			return
		}
		atCrash = f
	})})
	e.mustApply(planOf(create("training", "CHI@UC", hosts("gpus", 1, "compute_skylake"))))
	if atCrash == nil {
		t.Fatal("the create was never cut")
	}
	got := atCrash.PendingIntents()
	if len(got) == 1 && (got[0].Sent.Before(t0) || got[0].Unsent) {
		t.Errorf("intent on disk when the create answered: sent %v, unsent %v; want it marked sent before the call", got[0].Sent, got[0].Unsent)
	}
	want := []state.Intent{{Key: "training", Site: "CHI@UC", Name: "exp-training", Time: t0}}
	if len(got) == 1 {
		want[0].Sent = got[0].Sent
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("intents on disk when the create answered (-want +got):\n%s", d)
	}
	if _, ok := atCrash.Lease("training"); ok {
		t.Error("lease recorded before the create answered")
	}
}

func TestTooManyRequestsHonoursRetryAfter(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.srv.InjectFault(emulator.Fault{Site: "CHI@UC", Op: "create", Status: 429, RetryAfter: 7})
	res := e.mustApply(planOf(create("training", "CHI@UC", hosts("gpus", 1, "compute_skylake"))))
	if len(res.Done) != 1 {
		t.Fatalf("Done = %v, Failed = %v", res.Done, res.Failed)
	}
	if n := e.srv.Calls("CHI@UC", "create"); n != 2 {
		t.Errorf("create calls = %d, want 2", n)
	}
	if n := len(e.leasesNamed("CHI@UC", "exp-training")); n != 1 {
		t.Errorf("%d leases created, want 1", n)
	}
	if len(e.sleeps) == 0 || e.sleeps[0] != 7*time.Second {
		t.Errorf("sleeps = %v, want 7s (Retry-After) first", e.sleeps)
	}
	if len(filter(e.lines("training"), "retrying in 7s")) != 1 {
		t.Errorf("events = %q", e.lines("training"))
	}
}

func TestTransientDeleteRetried(t *testing.T) {
	e := newEnv(t, envOpts{})
	old := e.created(create("training", "CHI@UC", hosts("gpus", 1, "compute_skylake")))
	e.srv.InjectFault(emulator.Fault{Site: "CHI@UC", Op: "delete", Status: 503, Count: 2})
	res := e.mustApply(planOf(plan.Change{Key: "training", Site: "CHI@UC", Action: plan.Delete, LeaseID: old.ID}))
	if len(res.Done) != 1 || len(e.srv.Leases("CHI@UC")) != 0 {
		t.Errorf("Done = %v, emulator = %v", res.Done, e.srv.Leases("CHI@UC"))
	}
	if d := cmp.Diff([]time.Duration{2 * time.Second, 4 * time.Second}, e.sleeps[len(e.sleeps)-2:]); d != "" {
		t.Errorf("backoff (-want +got):\n%s", d)
	}
}

// TestFailureNamesOp checks that each failure says which operation failed, so that the CLI
// gives a create's hints (application credentials) only to a failed create.
func TestFailureNamesOp(t *testing.T) {
	for _, tc := range []struct {
		op     apply.Op
		change func(old *state.Lease) plan.Change
	}{
		{apply.OpUpdate, func(old *state.Lease) plan.Change {
			end := old.End.Add(time.Hour)
			return plan.Change{Key: "training", Site: "CHI@UC", Action: plan.Update, LeaseID: old.ID, Update: &plan.UpdateSpec{End: &end}}
		}},
		{apply.OpDelete, func(old *state.Lease) plan.Change {
			return plan.Change{Key: "training", Site: "CHI@UC", Action: plan.Delete, LeaseID: old.ID}
		}},
		{apply.OpDelete, func(old *state.Lease) plan.Change {
			ch := create("training", "CHI@UC", hosts("gpus", 1, "compute_skylake"))
			ch.Action, ch.LeaseID = plan.DeleteThenCreate, old.ID
			return ch
		}},
	} {
		t.Run(string(tc.op), func(t *testing.T) {
			e := newEnv(t, envOpts{})
			old := e.created(create("training", "CHI@UC", hosts("gpus", 1, "compute_skylake")))
			e.srv.InjectFault(emulator.Fault{Site: "CHI@UC", Op: string(tc.op), Status: 403})
			res, err := e.apply(planOf(tc.change(old)), e.opts())
			if err == nil {
				t.Fatal("apply succeeded despite the fault")
			}
			var got []string
			for _, f := range res.Failed {
				got = append(got, f.Key+" "+string(f.Op))
			}
			if d := cmp.Diff([]string{"training " + string(tc.op)}, got); d != "" {
				t.Errorf("failures (-want +got):\n%s", d)
			}
		})
	}
}

func TestCancelMidWaitSavesState(t *testing.T) {
	e := newEnv(t, envOpts{cfg: emulator.Config{StartDelay: time.Hour}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := e.opts()
	o.After = func(time.Duration) <-chan time.Time {
		cancel() // Ctrl-C while waiting
		return make(chan time.Time)
	}
	res, err := apply.Apply(ctx, planOf(create("training", "CHI@UC", hosts("gpus", 1, "compute_skylake"))), e.store, e.sites, o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if len(res.Done)+len(res.Failed) != 0 {
		t.Errorf("Done = %v, Failed = %v; an interrupted wait is neither", res.Done, res.Failed)
	}
	l, ok := e.saved().Lease("training")
	live := e.leasesNamed("CHI@UC", "exp-training")
	if !ok || len(live) != 1 || l.ID != live[0].ID {
		t.Errorf("state lease = %+v, emulator = %+v", l, live)
	}
}

func TestCancelStopsNewWork(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx, cancel := context.WithCancel(context.Background())
	o := e.opts()
	o.Parallelism = 1
	var created atomic.Int32
	o.Reporter = apply.ReporterFunc(func(ev apply.Event) {
		if ev.Kind == apply.Created && created.Add(1) == 1 {
			cancel()
		}
	})
	var chs []plan.Change
	for _, k := range []string{"a", "b", "c"} {
		chs = append(chs, create(k, "CHI@UC", fips("ip", 1)))
	}
	_, err := apply.Apply(ctx, planOf(chs...), e.store, e.sites, o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if n := e.srv.Calls("CHI@UC", "create"); n != 1 {
		t.Errorf("create calls = %d, want 1: nothing new starts after Ctrl-C", n)
	}
	f := e.saved()
	if d := cmp.Diff(1, len(f.Leases)); d != "" {
		t.Errorf("state leases (-want +got):\n%s", d)
	}
	if in := f.PendingIntents(); len(in) != 0 {
		t.Errorf("intents of creates never sent were kept: %v", in)
	}
}

func TestWaitPollsOncePerSite(t *testing.T) {
	e := newEnv(t, envOpts{})
	var chs []plan.Change
	for i := range 10 {
		for _, site := range []string{"CHI@UC", "CHI@TACC"} {
			chs = append(chs, create(strings.ToLower(site[4:])+string(rune('a'+i)), site, fips("ip", 1)))
		}
	}
	res := e.mustApply(planOf(chs...))
	if len(res.Done) != 20 {
		t.Fatalf("Done = %d, Failed = %v", len(res.Done), res.Failed)
	}
	polls := len(e.sleeps) // each poll follows one sleep; sites poll together
	for _, site := range []string{"CHI@UC", "CHI@TACC"} {
		if n := e.srv.Calls(site, "list"); n != polls {
			t.Errorf("%s: %d list calls for %d polls of 10 leases, want one per poll", site, n, polls)
		}
	}
	if polls > 4 {
		t.Errorf("%d polls for a 10s start", polls)
	}
}

func TestWaitTimeoutNamesLeases(t *testing.T) {
	e := newEnv(t, envOpts{cfg: emulator.Config{StartDelay: time.Hour}})
	o := e.opts()
	o.Timeout = time.Minute
	res, err := e.apply(planOf(create("training", "CHI@UC", hosts("gpus", 1, "compute_skylake"))), o)
	want := "1 of 1 lease failed: training: timed out after 1m0s waiting for training (STARTING) to become ACTIVE"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
	var te *apply.TimeoutError
	if len(res.Failed) != 1 || !errors.As(res.Failed[0].Err, &te) {
		t.Errorf("Failed = %v", res.Failed)
	}
	if got := filter(e.lines(""), "Still waiting"); len(got) != 1 || got[0] != "Still waiting for training... [30s elapsed]" {
		t.Errorf("still-waiting lines = %q", got)
	}
}

func TestWaitCommand(t *testing.T) {
	e := newEnv(t, envOpts{})
	ch := create("training", "CHI@UC", hosts("gpus", 1, "compute_skylake"))
	ch.Wait = "created"
	res := e.mustApply(planOf(ch))
	if len(res.Done) != 1 || res.Done[0].Status != "PENDING" {
		t.Fatalf("Done = %v", res.Done)
	}
	if err := apply.Wait(t.Context(), e.store, e.sites, nil, e.opts()); err != nil {
		t.Fatal(err)
	}
	if l, _ := e.saved().Lease("training"); l.Status != "ACTIVE" {
		t.Errorf("state status = %s, want ACTIVE", l.Status)
	}
	if err := apply.Wait(t.Context(), e.store, e.sites, []string{"nope"}, e.opts()); err == nil {
		t.Error("waiting for an unknown key succeeded")
	}
}

func TestRefreshOnlyRecordsAndChangesNothing(t *testing.T) {
	e := newEnv(t, envOpts{})
	p := planOf(create("training", "CHI@UC", hosts("gpus", 1, "compute_skylake")))
	p.RefreshOnly = true
	p.Adopt = []plan.Adoption{{Key: "old", Site: "CHI@UC", LeaseID: "L1", Name: "exp-old"}}
	p.Observed = []plan.Observed{{Key: "other", Lease: state.Lease{ID: "L2", Site: "CHI@UC", Status: "ACTIVE"}}}
	res := e.mustApply(p)
	if n := e.srv.Calls("CHI@UC", "create"); n != 0 {
		t.Errorf("%d creates in a refresh-only apply", n)
	}
	f := e.saved()
	if d := cmp.Diff([]string{"old", "other"}, f.Keys()); d != "" {
		t.Errorf("state keys (-want +got):\n%s", d)
	}
	if len(res.Adopted) != 1 || res.Adopted[0].LeaseID != "L1" {
		t.Errorf("Adopted = %v", res.Adopted)
	}
}

// TestRefreshOnlyRecordsDrift: a -refresh-only apply forgets leases deleted outside
// leasefile and records expired ones TERMINATED, touching only entries whose key, site and
// lease ID all match the drift.
func TestRefreshOnlyRecordsDrift(t *testing.T) {
	e := newEnv(t, envOpts{})
	err := e.store.Update(func(f *state.File) {
		f.SetLease("gone", &state.Lease{ID: "L-gone", Site: "CHI@UC", Status: "ACTIVE"})
		f.SetLease("expired", &state.Lease{ID: "L-exp", Site: "CHI@UC", Status: "ACTIVE"})
		f.SetLease("moved", &state.Lease{ID: "L-new", Site: "CHI@UC", Status: "ACTIVE"})
		f.SetLease("elsewhere", &state.Lease{ID: "L-tacc", Site: "CHI@TACC", Status: "ACTIVE"})
	})
	if err != nil {
		t.Fatal(err)
	}
	p := planOf()
	p.RefreshOnly = true
	p.Drift = []plan.Drift{
		{Key: "gone", Site: "CHI@UC", LeaseID: "L-gone", Kind: plan.DriftDeleted},
		{Key: "expired", Site: "CHI@UC", LeaseID: "L-exp", Kind: plan.DriftExpired},
		{Key: "moved", Site: "CHI@UC", LeaseID: "L-old", Kind: plan.DriftDeleted},
		{Key: "elsewhere", Site: "CHI@UC", LeaseID: "L-tacc", Kind: plan.DriftDeleted},
	}
	e.mustApply(p)
	f := e.saved()
	got := map[string]string{}
	for _, k := range f.Keys() {
		l, _ := f.Lease(k)
		got[k] = l.ID + " " + l.Status
	}
	want := map[string]string{"expired": "L-exp TERMINATED", "moved": "L-new ACTIVE", "elsewhere": "L-tacc ACTIVE"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("state (-want +got):\n%s", d)
	}
}

// TestStaleIntentLooksBeforeCreating: a plan made before an interrupted apply does not know
// the intent that apply left; applying it must look for that intent's lease instead of
// overwriting the intent and creating a second lease.
func TestStaleIntentLooksBeforeCreating(t *testing.T) {
	for _, tc := range []struct {
		name      string
		made      bool // the interrupted apply's create reached Blazar
		wantLease int
		wantOp    []string
	}{
		{"lease exists", true, 1, []string{"training create"}},
		{"no lease", false, 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOpts{})
			ch := create("training", "CHI@UC", hosts("gpus", 1, "compute_skylake"))
			if tc.made {
				e.created(ch)
			}
			err := e.store.Update(func(f *state.File) {
				f.RemoveLease("training")
				f.AddIntent(state.Intent{Key: "training", Site: "CHI@UC", Name: "exp-training", Time: t0})
			})
			if err != nil {
				t.Fatal(err)
			}
			res, _ := e.apply(planOf(ch), e.opts())
			if n := len(e.leasesNamed("CHI@UC", "exp-training")); n != tc.wantLease {
				t.Errorf("%d leases named exp-training, want %d", n, tc.wantLease)
			}
			var got []string
			for _, f := range res.Failed {
				got = append(got, f.Key+" "+string(f.Op))
			}
			if d := cmp.Diff(tc.wantOp, got); d != "" {
				t.Errorf("failures (-want +got):\n%s", d)
			}
			if tc.made && len(e.saved().PendingIntents()) != 1 {
				t.Errorf("the unresolved intent was lost: %v", e.saved().PendingIntents())
			}
		})
	}
}

// TestPermanentCreateFailureDropsIntent: Blazar's bare 500 on a create rolls the lease
// back; a leftover intent would let a later plan adopt another lease of that name.
func TestPermanentCreateFailureDropsIntent(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.srv.InjectFault(emulator.Fault{Site: "CHI@UC", Op: "create", Status: 500})
	res, _ := e.apply(planOf(create("training", "CHI@UC", hosts("gpus", 1, "compute_skylake"))), e.opts())
	if len(res.Failed) != 1 || res.Failed[0].Op != apply.OpCreate {
		t.Fatalf("Failed = %v, want the create", res.Failed)
	}
	if got := e.saved().PendingIntents(); len(got) != 0 {
		t.Errorf("intents left after a permanent create failure: %v", got)
	}
}

// TestCreateRetriesStayWithinIntentBound: a retry whose call could end after
// state.IntentBound is not sent, since a later plan would not adopt its lease.
func TestCreateRetriesStayWithinIntentBound(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.srv.InjectFault(emulator.Fault{Site: "CHI@UC", Op: "create", Status: 503, Count: 5})
	o := e.opts()
	o.CallTimeout = state.IntentBound - state.AdoptWindow
	res, _ := e.apply(planOf(create("training", "CHI@UC", hosts("gpus", 1, "compute_skylake"))), o)
	if n := e.srv.Calls("CHI@UC", "create"); n != 1 {
		t.Errorf("create calls = %d, want 1", n)
	}
	if len(res.Failed) != 1 {
		t.Errorf("Failed = %v", res.Failed)
	}
}

// TestPlanDropIntents: apply forgets the unresolved intents the plan lists, and keeps
// one with a lease ID.
func TestPlanDropIntents(t *testing.T) {
	e := newEnv(t, envOpts{})
	err := e.store.Update(func(f *state.File) {
		f.AddIntent(state.Intent{Key: "old", Site: "CHI@UC", Name: "old", Time: t0.Add(-time.Hour)})
		f.AddIntent(state.Intent{Key: "known", Site: "CHI@UC", Name: "known", Time: t0.Add(-time.Hour), ID: "lease-1"})
	})
	if err != nil {
		t.Fatal(err)
	}
	p := planOf()
	p.DropIntents = []string{"old", "known"}
	e.mustApply(p)
	var got []string
	for _, in := range e.saved().PendingIntents() {
		got = append(got, in.Key)
	}
	if d := cmp.Diff([]string{"known"}, got); d != "" {
		t.Errorf("intents (-want +got):\n%s", d)
	}
}

// One 429 with Retry-After: 3600 during the wait made `apply -timeout 20s` sleep an hour: a
// delay past the timeout ends the wait at once, with the reason.
func TestRetryAfterPastTheTimeoutEndsTheWait(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.srv.InjectFault(emulator.Fault{Op: "list", Status: 429, RetryAfter: 3600})
	o := e.opts()
	o.Timeout = 20 * time.Second
	start := e.clock.Now()
	res, err := e.apply(planOf(create("training", "CHI@UC", hosts("nodes", 1, "compute_skylake"))), o)
	if err == nil || !strings.Contains(err.Error(), "asked to retry in 1h0m0s, past the 20s -timeout") {
		t.Errorf("err = %v", err)
	}
	if len(res.Failed) != 1 || res.Failed[0].Op != apply.OpWait || res.Failed[0].LeaseID == "" {
		t.Errorf("Failed = %+v, want the wait of the created lease", res.Failed)
	}
	if waited := e.clock.Now().Sub(start); waited > 20*time.Second {
		t.Errorf("the run waited %s on its clock, past the 20s timeout", waited)
	}
}

// After a create whose answer was lost, apply adopted the earliest lease of that name: when
// another run of the same user had made one at the same time, both states tracked it. Two
// leases that fit cannot be told apart: apply takes neither, creates nothing more, and says
// to import the right one.
func TestLostCreateAnswerWithTwoFittingLeasesIsAmbiguous(t *testing.T) {
	e := newEnv(t, envOpts{wrap: cutCreate(status503, nil)})
	ch := create("training", "CHI@UC", hosts("gpus", 1, "compute_skylake"))
	// Another state's lease, created just before by the same user, with the same name and shape.
	other, err := leases.Create(context.Background(), e.connect("CHI@UC", nil).Reservation, leases.CreateOpts{
		Name: "exp-training", End: e.clock.Now().Add(6 * time.Hour), Reservations: []map[string]any{ch.Create.Reservations[0].Body.ToMap()}}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.apply(planOf(ch), e.opts())
	if err == nil || !strings.Contains(err.Error(), "2 leases named \"exp-training\" on CHI@UC fit") || !strings.Contains(err.Error(), "leasefile import training") {
		t.Errorf("err = %v", err)
	}
	if len(res.Done) != 0 {
		t.Errorf("Done = %v, want nothing adopted", res.Done)
	}
	if l, ok := e.saved().Lease("training"); ok {
		t.Errorf("state took lease %s (the other state's is %s)", l.ID, other.ID)
	}
	if n := len(e.leasesNamed("CHI@UC", "exp-training")); n != 2 {
		t.Errorf("%d leases named exp-training, want 2 (no create after the lost answer)", n)
	}
}

// lostLock is a remote state lock whose renewal failed.
type lostLock struct{ lost chan struct{} }

func (l lostLock) Info() state.LockInfo  { return state.LockInfo{} }
func (l lostLock) Unlock() error         { return nil }
func (l lostLock) Lost() <-chan struct{} { return l.lost }

// An apply whose state lock is lost starts nothing more: another run may hold the lock now.
func TestLockLostStopsApply(t *testing.T) {
	e := newEnv(t, envOpts{})
	lost := lostLock{lost: make(chan struct{})}
	close(lost.lost)
	e.store = state.NewStore(state.NewLocal(e.path), state.New()).WithLock(lost)
	_, err := e.apply(planOf(create("training", "CHI@UC", hosts("gpus", 1, "compute_skylake"))), e.opts())
	if !errors.Is(err, state.ErrLockLost) {
		t.Fatalf("apply with a lost lock: err = %v, want ErrLockLost", err)
	}
	if live := e.leasesNamed("CHI@UC", "exp-training"); len(live) != 0 {
		t.Errorf("a lease was created after the lock was lost: %v", live)
	}
}
