package state

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMove(t *testing.T) {
	base := func() *File {
		f := New()
		f.SetLease("training", &Lease{ID: "1", Reservations: map[string]Reservation{"gpus": {ID: "r1"}, "ip": {ID: "r2"}}})
		f.SetLease(DeposedKey("training"), &Lease{ID: "0"})
		f.SetLease("eval", &Lease{ID: "2"})
		return f
	}
	tests := []struct {
		from, to string
		keys     []string
		res      []string // of the moved lease, for a reservation move
		err      string
	}{
		{from: "training", to: "train", keys: []string{"eval", "train", "train~deposed"}},
		{from: "training.gpus", to: "training.gpu", keys: []string{"eval", "training", "training~deposed"}, res: []string{"gpu", "ip"}},
		{from: "training", to: "eval", err: `already has a lease "eval"`},
		{from: "nope", to: "x", err: `no lease "nope"`},
		{from: "training.gpus", to: "training.ip", err: `already has a reservation "ip"`},
		{from: "training.gpus", to: "eval.gpus", err: "within its lease"},
		{from: "training", to: "train.x", err: "a lease moves to a lease key"},
		{from: "training.none", to: "training.x", err: `no reservation "none"`},
	}
	for _, tt := range tests {
		t.Run(tt.from+">"+tt.to, func(t *testing.T) {
			f := base()
			err := f.Move(tt.from, tt.to)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				if diff := cmp.Diff(base().Keys(), f.Keys()); diff != "" {
					t.Errorf("a refused move changed the state (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.keys, f.Keys()); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
			if tt.res != nil {
				l, _ := f.Lease("training")
				var got []string
				for k := range l.Reservations {
					got = append(got, k)
				}
				slices.Sort(got)
				if diff := cmp.Diff(tt.res, got); diff != "" {
					t.Errorf("reservations (-want +got):\n%s", diff)
				}
			}
		})
	}
}
