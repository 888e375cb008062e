package apply

import (
	"fmt"
	"strings"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/plan"
)

// GrowthError is a capacity refusal of an update that grows reservations in place: on
// Chameleon's fork the whole new amount must be free besides what the lease holds, so a
// growth can be refused while a fresh lease of the new size would fit.
type GrowthError struct {
	Growths []plan.Growth
	Err     error // Blazar's refusal (a blazar.Capacity error)
}

func (e *GrowthError) Error() string {
	var parts []string
	for _, g := range e.Growths {
		parts = append(parts, fmt.Sprintf("reservation %s from %d to %d", g.Reservation, g.From, g.To))
	}
	return fmt.Sprintf("Blazar refused to grow %s in place: Chameleon needs the whole new amount free for the whole window besides what the lease holds (%v)",
		strings.Join(parts, " and "), e.Err)
}

func (e *GrowthError) Unwrap() error { return e.Err }

// explainGrowth wraps a capacity refusal of a growing update in a GrowthError.
func explainGrowth(ch plan.Change, err error) error {
	if gs := ch.Growths(); len(gs) > 0 && blazar.IsKind(err, blazar.Capacity) {
		return &GrowthError{Growths: gs, Err: err}
	}
	return err
}
