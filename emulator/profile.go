package emulator

import (
	"fmt"
	"time"
)

// Blazar profiles: which Blazar's rules the emulator follows where the two differ.
const (
	// BlazarChameleon is Chameleon's fork (branch chameleoncloud/2023.1), the default: any
	// user reads, updates and deletes any lease by id; growing a reservation needs the whole
	// new amount free besides what the lease holds; the 48-hour window also applies to moving
	// the start later; an updated reservation must resend its parameters; DELETE answers
	// 200 {}; capacity errors quote the query as a Python dict.
	BlazarChameleon = "chameleon"
	// BlazarUpstream is upstream Blazar: another project's lease by id is a 403, an update
	// keeps what still fits and looks for the rest, DELETE answers 204.
	BlazarUpstream = "upstream"
)

// Keystone profiles: whether Blazar can create a trust from an application credential.
const (
	// KeystoneLegacy refuses restricted application credentials and allows unrestricted ones.
	KeystoneLegacy = "legacy"
	// KeystoneFixed is Keystone's 2025 fix (Debian's current keystone): every application
	// credential is refused, and a lease create answers Blazar's bare 500.
	KeystoneFixed = "fixed"
	// KeystoneInsecureEscalation is allow_insecure_application_credential_trust_escalation:
	// both kinds are allowed.
	KeystoneInsecureEscalation = "insecure-escalation"
)

// DefaultEventInterval is how often Blazar's manager polls its events (Chameleon's 10 s).
const DefaultEventInterval = 10 * time.Second

func checkProfiles(blazar, keystone string) error {
	switch blazar {
	case "", BlazarChameleon, BlazarUpstream:
	default:
		return fmt.Errorf("blazar profile %q: want %s or %s", blazar, BlazarChameleon, BlazarUpstream)
	}
	switch keystone {
	case "", KeystoneLegacy, KeystoneFixed, KeystoneInsecureEscalation:
	default:
		return fmt.Errorf("keystone profile %q: want %s, %s or %s", keystone, KeystoneLegacy, KeystoneFixed, KeystoneInsecureEscalation)
	}
	return nil
}

// fork says whether Chameleon's fork rules apply.
func (e *Emulator) fork() bool { return e.blazar == BlazarChameleon }

// Profile is the Blazar and Keystone profile in effect.
func (e *Emulator) Profile() (blazar, keystone string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.blazar, e.keystone
}

// trustRefused says whether Blazar fails to create the lease's trust for this token; the
// caller does not hold the lock (SetKeystone may change the profile).
func (e *Emulator) trustRefused(t *token) bool {
	if t.appCred == nil {
		return false
	}
	e.mu.Lock()
	ks := e.keystone
	e.mu.Unlock()
	switch ks {
	case KeystoneFixed:
		return true
	case KeystoneInsecureEscalation:
		return false
	}
	return t.appCred.Restricted
}
