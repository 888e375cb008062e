// Package reliability is the proof of DESIGN.md section 8, kept in the repository: a harness
// that drives the real, built leasefile binary against a served emulator (`leasefile emulator
// serve --latency ...` in a temporary directory) and counts what went wrong.
//
// Five campaigns run (see Campaigns):
//
//   - crash: apply, destroy and update runs SIGKILLed at points observed from the run (lock
//     taken, intents saved, some leases created, a state save in progress) or after random
//     delays; then the user's recovery (the run again, releasing the stale lock the way the
//     error says) and the checks below;
//   - faults: the emulator's --fault-rate, dropped create responses, 429 with Retry-After,
//     token expiry, list and auth faults; each scenario is re-run until it converges;
//   - contention: two runs racing on one state; the lock makes one wait or fail, never both
//     write;
//   - hostile: every *.yaml of the corpus directories must end with exit 1 and a positioned
//     error, with no panic, no hang and bounded memory (the child's peak RSS from rusage);
//   - secrets: commands run with distinctive passwords, application-credential secrets and
//     tokens (--debug too); every output stream and every file written is searched for them.
//
// After every trial that changes leases the checks are: every declared lease exists exactly
// once at the emulator (read from its --data file and journal, which the emulator saves after every
// mutation), no lease of the trial's name prefix that the state does not know (an orphan),
// none missing, the state loads, and the next plan is empty.
//
// Invariants:
//
//   - Every child process runs with a deadline (a run past it is killed and counted as a
//     hang) and, for hostile inputs, under an address-space limit, so the harness itself can
//     neither hang nor take the machine down.
//   - A check counts what it sees and never assumes: TestChecksCountBrokenOutcomes feeds the
//     checks a duplicate and an orphan made behind leasefile's back and sees them counted.
//   - Every count that is not zero comes with a Finding naming the campaign, the trial and
//     what was seen, so it can be chased.
//   - Nothing is written outside the temporary directories, except the report file the
//     caller names.
package reliability
