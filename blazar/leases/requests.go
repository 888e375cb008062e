package leases

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// List returns a pager over the project's leases (one page: Blazar does not
// paginate). Errors from the pager are gophercloud's; blazar.AsError
// converts them. ListAll does it for you.
func List(client *gophercloud.ServiceClient) pagination.Pager {
	return pagination.NewPager(client, listURL(client), func(r pagination.PageResult) pagination.Page {
		return LeasePage{pagination.SinglePageBase(r)}
	})
}

// ListAll fetches every lease visible to the project in one call.
func ListAll(ctx context.Context, client *gophercloud.ServiceClient) ([]Lease, error) {
	return ListKeep(ctx, client, nil)
}

// ListKeep fetches every lease visible to the project in one call, as much of each as keep
// asks (all of every lease when keep is nil): a plan needs the details of the leases its state
// tracks, the names, statuses and dates of those its Leasefile names, and nothing of the
// thousands of others. The answer is decoded as it arrives (decode.go), never held whole.
func ListKeep(ctx context.Context, client *gophercloud.ServiceClient, keep Keep) ([]Lease, error) {
	resp, err := client.Get(ctx, listURL(client), nil, &gophercloud.RequestOpts{KeepResponseBody: true})
	if err != nil {
		return nil, blazar.ConvertError(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNoContent {
		return []Lease{}, nil
	}
	list, err := decodeList(resp.Body, keep)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, blazar.ConvertError(err)
	}
	return list, nil
}

// Get fetches one lease by id. Blazar never resolves names: a name gives a
// NotFound error.
func Get(ctx context.Context, client *gophercloud.ServiceClient, id string) (r GetResult) {
	resp, err := client.Get(ctx, getURL(client, id), &r.Body, nil)
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	r.Err = blazar.ConvertError(r.Err)
	return
}

// CreateOptsBuilder builds the body of a lease creation.
type CreateOptsBuilder interface {
	ToLeaseCreateMap() (map[string]any, error)
}

// CreateOpts describes a new lease.
type CreateOpts struct {
	// Name need not be unique: Blazar accepts duplicates.
	Name string
	// Start is the lease start; the zero time is sent as "now".
	Start time.Time
	// End is required.
	End time.Time
	// Reservations are the exact JSON objects Blazar expects, one per
	// reservation ("resource_type" plus the type's keys).
	Reservations []map[string]any
	// BeforeEnd sets before_end_date (when Blazar runs the before-end
	// action); nil lets Blazar choose.
	BeforeEnd *time.Time
}

// ToLeaseCreateMap renders the unwrapped body python-blazarclient sends.
func (opts CreateOpts) ToLeaseCreateMap() (map[string]any, error) {
	if opts.Name == "" {
		return nil, gophercloud.ErrMissingInput{Argument: "Name"}
	}
	if opts.End.IsZero() {
		return nil, gophercloud.ErrMissingInput{Argument: "End"}
	}
	start := "now"
	if !opts.Start.IsZero() {
		start = blazar.FormatInput(opts.Start)
	}
	reservations := opts.Reservations
	if reservations == nil {
		reservations = []map[string]any{}
	}
	var beforeEnd any
	if opts.BeforeEnd != nil {
		beforeEnd = blazar.FormatInput(*opts.BeforeEnd)
	}
	return map[string]any{
		"name":            opts.Name,
		"start_date":      start,
		"end_date":        blazar.FormatInput(opts.End),
		"reservations":    reservations,
		"events":          []any{},
		"before_end_date": beforeEnd,
	}, nil
}

// Create creates a lease. Blazar allocates the resources at once: a lease
// it cannot satisfy is refused with a blazar.Capacity error and nothing is
// created.
func Create(ctx context.Context, client *gophercloud.ServiceClient, opts CreateOptsBuilder) (r CreateResult) {
	b, err := opts.ToLeaseCreateMap()
	if err != nil {
		r.Err = err
		return
	}
	resp, err := client.Post(ctx, createURL(client), b, &r.Body, &gophercloud.RequestOpts{
		OkCodes: []int{200, 201},
	})
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	r.Err = blazar.ConvertError(r.Err)
	return
}

// UpdateOptsBuilder builds the body of a lease update.
type UpdateOptsBuilder interface {
	ToLeaseUpdateMap() (map[string]any, error)
}

// UpdateOpts changes a lease; nil fields are left alone. A body with only
// Name works in any stable status; date changes follow Blazar's rules (no
// start change once started, no change after the end).
type UpdateOpts struct {
	Name  *string
	Start *time.Time
	End   *time.Time
	// Reservations are partial reservation objects, each with its "id".
	Reservations []map[string]any
}

// ToLeaseUpdateMap renders the partial body.
func (opts UpdateOpts) ToLeaseUpdateMap() (map[string]any, error) {
	b := map[string]any{}
	if opts.Name != nil {
		b["name"] = *opts.Name
	}
	if opts.Start != nil {
		b["start_date"] = blazar.FormatInput(*opts.Start)
	}
	if opts.End != nil {
		b["end_date"] = blazar.FormatInput(*opts.End)
	}
	if opts.Reservations != nil {
		for _, res := range opts.Reservations {
			if id, _ := res["id"].(string); id == "" {
				return nil, errors.New("leases: every reservation of an update needs its \"id\"")
			}
		}
		b["reservations"] = opts.Reservations
	}
	return b, nil
}

// Update changes a lease and returns it as Blazar answered (often with
// status UPDATING; a later Get shows the settled status).
func Update(ctx context.Context, client *gophercloud.ServiceClient, id string, opts UpdateOptsBuilder) (r UpdateResult) {
	b, err := opts.ToLeaseUpdateMap()
	if err != nil {
		r.Err = err
		return
	}
	resp, err := client.Put(ctx, updateURL(client, id), b, &r.Body, &gophercloud.RequestOpts{
		OkCodes: []int{200},
	})
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	r.Err = blazar.ConvertError(r.Err)
	return
}

// Delete deletes a lease, releasing its resources. Upstream answers 204,
// Chameleon's fork 200 with "{}"; both are success.
func Delete(ctx context.Context, client *gophercloud.ServiceClient, id string) (r DeleteResult) {
	resp, err := client.Delete(ctx, deleteURL(client, id), &gophercloud.RequestOpts{
		OkCodes: []int{200, 202, 204},
	})
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	r.Err = blazar.ConvertError(r.Err)
	return
}

// GetOwn fetches one lease by id and checks that it belongs to project. Chameleon's Blazar
// lets any user read, update and delete any lease by its id, so a lease of another project
// must not be taken for the caller's: it is refused as a Forbidden error naming both
// projects. An empty project skips the check.
func GetOwn(ctx context.Context, client *gophercloud.ServiceClient, id, project string) (*Lease, error) {
	l, err := Get(ctx, client, id).Extract()
	if err != nil {
		return nil, err
	}
	if project != "" && l.ProjectID != project {
		return nil, &blazar.Error{Kind: blazar.Forbidden,
			Message: fmt.Sprintf("lease %s belongs to project %s, not to this project (%s)", id, l.ProjectID, project)}
	}
	return l, nil
}
