// Package spec turns a Leasefile into a typed, validated model: the first stage of the
// pipeline (spec -> plan -> apply).
//
// Parsing goes YAML text -> JSON values (a tree of values that keep their YAML positions,
// looked up by JSON pointer only for an error: read straight from the text by fastYAML for
// the plain block style of nearly every Leasefile, else converted from yaml.v3's node
// tree) -> JSON Schema
// validation (package schema; a verdict compiled from the schema first, the library only
// for an invalid document) -> typed File -> semantic checks. Every problem found by any stage is collected and reported in one run as
// FILE:LINE:COL: dotted.path: message, sorted by position.
//
// Invariants:
//   - Parse never panics on any input (FuzzParse) and every error it returns has a position.
//   - fastYAML's values and errors are those convert makes of yaml.v3's tree (TestFastYAML,
//     TestFastYAMLLimits, FuzzParse): the fast path changes no result.
//   - Parse costs bounded memory and time whatever the input: at most MaxFileBytes read, 64
//     levels of nesting, maxNodes values and maxSize bytes of keys, paths and expanded strings
//     after aliases, keys of maxKeyBytes; past a limit, one positioned error. Messages quote
//     at most a short prefix of a value, and at most maxErrors problems are listed.
//   - A File returned without error satisfies every rule of the format: exactly one of end and
//     duration, counts in range, well-formed resource queries of strings, names of at most 80
//     characters, known sites (KnownSites, a sites: key, or one Options.SiteReachable accepts,
//     which is a warning), a state: block with the fields its backend needs, moved: entries
//     whose to is a lease and whose from is not, removed: keys that are not leases. Later
//     stages never re-check input.
//   - ${VAR} never expands a credential: a variable that is or looks like one (OS_PASSWORD,
//     *_SECRET, *_TOKEN, ...) or whose value holds a known credential's value is an error that
//     names the variable, never the value. Expanded values reach lease names, plans and Blazar.
//   - The package does no I/O besides reading the named file, and no network access: times that
//     depend on "now" are resolved by the caller (plan), never here.
//   - Compile produces the exact request bodies Blazar expects, except that a floating IP
//     reservation still names its network: resolving it to an ID needs Neutron.
package spec
