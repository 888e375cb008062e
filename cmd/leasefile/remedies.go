package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"syscall"

	"github.com/chameleoncloud/leasefile/apply"
	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/cloud"
	"github.com/chameleoncloud/leasefile/plan"
)

// This file holds every remedy ("leasefile: hint: ...") leasefile prints, as age's tui.go
// does: the libraries say what is wrong, with typed errors and kinds; only cmd says what to
// do about it.

// The remedies for Blazar's and Neutron's answers.
const (
	// hintUnrestrictedAppCred explains Blazar's bare 500 on lease creation.
	hintUnrestrictedAppCred = "a bare 500 on lease creation usually means Keystone refused Blazar a trust from an application credential: " +
		"authenticate with a password instead (auth_type: password in clouds.yaml, or OS_AUTH_TYPE=password), which always works; " +
		"since Keystone's 2025 change Blazar cannot make a trust from any application credential, and before it only from an unrestricted one " +
		"(openstack application credential create --unrestricted NAME)"
	// hintChameleonForbidden explains a 403 from Blazar on Chameleon.
	hintChameleonForbidden = "Chameleon needs an unrestricted application credential " +
		"(openstack application credential create --unrestricted NAME) and a project with an active allocation to manage leases"
	// hintMaxDuration explains Chameleon's lease length limits.
	hintMaxDuration = "Chameleon limits leases to 7 days; a lease can be extended only within 48 hours of its end"
	// hintUnauthorized explains a refused token.
	hintUnauthorized = "the credentials for this site were refused: check the clouds.yaml entry or the OS_* variables"
	// hintCapacity explains a refused reservation.
	hintCapacity = "the resources are not free for the whole window: choose another time, fewer resources, or check the site's lease calendar"
	// hintTransient explains an overloaded or unreachable service.
	hintTransient = "the service is busy or unreachable; running the command again usually works"
	// hintNeutron explains a failure of the floating IP network lookup.
	hintNeutron = "the network service (Neutron) failed while looking up the floating IP network; it is not about the credentials: try again in a few minutes"
	// hintNoAnswer explains a call that timed out.
	hintNoAnswer = "the service did not answer in time: check that the endpoint is the right one and reachable from here, or try again later"
	// hintRetryLater explains a Retry-After longer than leasefile waits.
	hintRetryLater = "the service asked to be retried later than leasefile waits: try again later, or give a longer -timeout"
)

// The remedies for credentials and logins.
const (
	hintLoginRequired = "run leasefile once in a terminal to log in (the login is shared with ccauth), or, for CI and scripts, " +
		"use an application credential: cc-login writes one as an openrc or clouds.yaml"
	hintAuthRefused = "check the credentials, or create an application credential in the dashboard (Identity > Application Credentials) and use its clouds.yaml"
)

// The remedies for saved plans, confirmation and waits.
const (
	hintStalePlan    = "run leasefile plan again and review the new plan"
	hintNotOwnedPlan = "the plan file was edited after plan -out wrote it: do not apply it; run leasefile plan again"
	hintNoTerminal   = "review the plan, then run again with -auto-approve, or save it with plan -out and apply that file"
	// hintJSONApprove and hintJSONDestroyApprove explain that -json never prompts.
	hintJSONApprove        = "-json output leaves no room for a prompt: save the plan with leasefile plan -out FILE and run leasefile apply -json FILE, or add -auto-approve"
	hintJSONDestroyApprove = "-json output leaves no room for a prompt: review leasefile plan -destroy, then run leasefile destroy -json -auto-approve"
	hintWaitTooEarly       = "wait closer to the start, or give a longer -timeout"
	hintLocalBusy          = "wait for it to finish: the local emulator serves one command at a time"
	hintApplyFirst         = "run leasefile apply first"
)

// remedy returns what to do about err, a failure of a whole command, or "" when leasefile
// knows nothing better than its message. A missing-credentials error ends with its remedy.
func remedy(err error) string {
	var ae *cloud.AuthError
	var se *plan.StaleError
	var no *plan.NotOwnedError
	var be *blazar.Error
	var na *blazar.NoAnswerError
	switch {
	case errors.As(err, &se):
		return hintStalePlan
	case errors.As(err, &no):
		return hintNotOwnedPlan
	case errors.Is(err, cloud.ErrLoginRequired):
		return hintLoginRequired
	case errors.As(err, &ae):
		return authHint(ae)
	case errors.As(err, &be), errors.As(err, &na):
		return hintFor(err, "")
	}
	return ""
}

// failureHint is the remedy for one lease's failure in apply.
func failureHint(f apply.Failure) string {
	if ge := (*apply.GrowthError)(nil); errors.As(f.Err, &ge) {
		return fmt.Sprintf("replace the lease instead (leasefile apply -replace %s), which needs only the new amount free, or add a second lease for the extra resources", f.Key)
	}
	return hintFor(f.Err, f.Op)
}

// hintFor returns a remedy for an error of a Blazar or Neutron call, or "". op is the
// operation of apply that failed ("" for another command's call); a bare 500 is only blamed
// on the credential for a create.
func hintFor(err error, op apply.Op) string {
	var na *blazar.NoAnswerError
	if errors.As(err, &na) {
		return hintNoAnswer
	}
	e, ok := blazar.AsError(err)
	if !ok {
		return ""
	}
	if op == apply.OpNetwork && (e.Kind == blazar.Internal || e.Kind == blazar.Transient) {
		return hintNeutron
	}
	switch e.Kind {
	case blazar.Internal:
		if op == apply.OpCreate && e.StatusCode == http.StatusInternalServerError &&
			(e.Message == "Internal Server Error" || strings.HasPrefix(e.Message, http.StatusText(500))) {
			return hintUnrestrictedAppCred
		}
	case blazar.Forbidden, blazar.Invalid:
		if strings.Contains(e.Message, "maximum lease duration") || strings.Contains(e.Message, "can only be extended within") {
			return hintMaxDuration
		}
		// Only a policy refusal is about credentials; Blazar's other 403s (a before-end date
		// outside the lease, a lease too long) say what is wrong themselves.
		if e.Kind == blazar.Forbidden && strings.HasPrefix(e.Message, "Policy doesn't allow") {
			return hintChameleonForbidden
		}
	case blazar.Unauthorized:
		return hintUnauthorized
	case blazar.Capacity:
		return hintCapacity
	case blazar.Transient:
		if ep, ok := blazar.Unreachable(e); ok {
			return unreachableHint(ep)
		}
		var ra *blazar.RetryAfterError
		if errors.As(err, &ra) {
			return hintRetryLater
		}
		return hintTransient
	}
	return ""
}

// unreachableHint is the remedy for a connection that could not be made to endpoint.
func unreachableHint(endpoint string) string {
	if endpoint == "" {
		endpoint = "the endpoint"
	}
	return endpoint + " is unreachable (connection refused, or the host name does not resolve): " +
		"check the URL (auth_url, OS_AUTH_URL, or the endpoint in the service catalog), the network, and that the service is running"
}

// authHint is the remedy for a failed authentication: only refused credentials are about the
// credentials; an unreachable, silent, busy or failing Keystone is not.
func authHint(ae *cloud.AuthError) string {
	switch {
	case ae.StatusCode == http.StatusUnauthorized || ae.StatusCode == http.StatusForbidden || ae.StatusCode == http.StatusNotFound:
		return hintAuthRefused
	case ae.StatusCode == 0:
		if ep, ok := blazar.Unreachable(ae.Err); ok {
			if ep == "" {
				ep = "Keystone at " + ae.AuthURL
			}
			return unreachableHint(ep)
		}
		var na *blazar.NoAnswerError
		if errors.As(ae.Err, &na) {
			return "Keystone at " + ae.AuthURL + " did not answer in time: check auth_url (OS_AUTH_URL) and the network, or try again later"
		}
		if !blazar.IsKind(ae.Err, blazar.Transient) {
			return ""
		}
		fallthrough
	case ae.StatusCode == http.StatusTooManyRequests || ae.StatusCode >= 500:
		return "Keystone at " + ae.AuthURL + " is busy or failing (it was retried): try again in a few minutes; the credentials were not refused"
	}
	return ""
}

// saveHint is the remedy for a state that could not be saved, or "": the run stopped at once,
// and what it created is found again by the next plan from the intents already saved.
func saveHint(err error) string {
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return "the disk holding the state file is full: free some space and run apply again; the next plan finds the leases this run created"
	case errors.Is(err, syscall.EROFS), errors.Is(err, fs.ErrPermission):
		return "the state file cannot be written here: fix the permissions (or use --state) and run apply again; the next plan finds the leases this run created"
	}
	return ""
}

// olderPlanHint is the remedy for a saved plan in a format this leasefile no longer applies.
func olderPlanHint(file string) string {
	return "saved plans are short-lived: make it again with leasefile plan -out " + file
}

// fmtHint is the remedy for files fmt -check finds out of canonical form.
func fmtHint(files []string) string { return "run leasefile fmt " + strings.Join(files, " ") }

// siteMismatchHint is the remedy for a state written for another cloud than a site's.
func siteMismatchHint(local bool) string {
	if local {
		return "use the state file written for this cloud (--state), or run without --local"
	}
	return "use the state file written for this cloud (--state), or --local for the local emulator"
}

// otherLeasefileHint is the remedy for a state recorded for another Leasefile.
func otherLeasefileHint(recorded string) string {
	return fmt.Sprintf("run with -f %s to use this state, or give this Leasefile its own with --state FILE", recorded)
}

// commandsHint is the remedy for an unknown command.
func commandsHint(command string) string { return command + " --help lists the commands" }

// flagHint is the remedy for a command line the command refuses.
func flagHint(command string) string { return command + " --help shows the options" }

// lockHolderAliveHint is the remedy for force-unlock of a lock whose process still runs.
func lockHolderAliveHint(pid int, id string) string {
	return fmt.Sprintf("let that run finish or stop it (kill %d); only if process %d is no longer leasefile, run: leasefile force-unlock -force %s", pid, pid, id)
}

// The remedies of emulator serve.
const (
	hintRemoteAddr = "use 127.0.0.1:PORT, or add --allow-remote if you really mean to expose it"
	hintAddrInUse  = "stop what listens there, or pass --addr to serve this data elsewhere (state files that used it will then refuse it)"
)

// The remedies of import.
const (
	hintLeaseID          = "give the lease's UUID (openstack reservation lease list shows it)"
	hintImportUndeclared = "add it to the Leasefile first, then import"
)

// importHint is the remedy for a lease import refuses.
func importHint(e *plan.ImportError) string {
	switch e.Kind {
	case plan.ImportCount:
		return "make the Leasefile entry match the lease"
	case plan.ImportNoMatch:
		return "check the reservation's type, constraints and count"
	case plan.ImportAmbiguous:
		return "give that reservation a distinguishing constraint or count in the Leasefile"
	case plan.ImportShared:
		return "make them differ in constraints or count"
	case plan.ImportKeyTracked:
		return fmt.Sprintf("run leasefile state rm %s first to import another", e.Key)
	}
	return ""
}

// The remedies of availability, earliest starts and state backends.
const (
	// hintAvailabilityUnknown: a site would not show its allocations.
	hintAvailabilityUnknown = "the site's web portal has a host calendar"
	// hintUnavailable: plan refused a reservation that availability says will fail.
	hintUnavailable = "change the Leasefile (leasefile availability shows what is free), or plan with -allow-unavailable to keep it anyway"
	// hintStaleEarliest: a saved plan's `start: earliest` window no longer fits.
	hintStaleEarliest = "run leasefile plan again: it picks a new earliest start"
	// hintNoObjectStore: the swift backend's site has no object store.
	hintNoObjectStore = "keep the state at a site with an object store (CHI@UC, CHI@TACC), or use backend: http"
)

// availabilityNoMatchHint: nothing at site matches an availability query.
func availabilityNoMatchHint(site string) string {
	return fmt.Sprintf("leasefile availability --site %s lists what the site has", site)
}
