package apply_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/apply"
	"github.com/chameleoncloud/leasefile/plan"
)

// TestWaitPollsFewByGets: a wait for one lease among a site's 41 polls it by GETs after the
// first list, where it used to list all 41 on every poll; a wait for all of them lists.
func TestWaitPollsFewByGets(t *testing.T) {
	e := newEnv(t, envOpts{})
	var chs []plan.Change
	for i := range 41 {
		ch := create(fmt.Sprintf("l%02d", i), "CHI@UC", hosts("n", 1, "compute_skylake"))
		ch.Wait = "created"
		if i > 0 { // the others in later windows, one after the other
			ch.Create.Start = t0.Add(time.Duration(i) * 7 * time.Hour).Truncate(time.Minute)
		}
		chs = append(chs, ch)
	}
	e.mustApply(planOf(chs...))

	calls := func() (lists, gets int) { return e.srv.Calls("CHI@UC", "list"), e.srv.Calls("CHI@UC", "get") }
	lists0, gets0 := calls()
	if err := apply.Wait(t.Context(), e.store, e.sites, []string{"l00"}, e.opts()); err != nil {
		t.Fatal(err)
	}
	lists1, gets1 := calls()
	if lists1-lists0 != 1 || gets1-gets0 == 0 {
		t.Errorf("waiting for 1 of 41: %d lists, %d GETs; want the first poll's list, then GETs", lists1-lists0, gets1-gets0)
	}
	if l, _ := e.saved().Lease("l00"); l.Status != "ACTIVE" {
		t.Errorf("l00 is %s in the state, want ACTIVE", l.Status)
	}

	// Many pending among few: lists only (the wait times out: they start later).
	o := e.opts()
	o.Timeout = 30 * time.Second
	var keys []string
	for i := 1; i < 41; i++ {
		keys = append(keys, fmt.Sprintf("l%02d", i))
	}
	_ = apply.Wait(t.Context(), e.store, e.sites, keys, o)
	lists2, gets2 := calls()
	if lists2-lists1 < 2 || gets2 != gets1 {
		t.Errorf("waiting for 40 of 41: %d lists, %d GETs; want lists only", lists2-lists1, gets2-gets1)
	}
}
