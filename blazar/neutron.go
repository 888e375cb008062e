package blazar

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
)

// NetworkIDByName returns the id of the one Neutron network named name, as
// python-chi resolves "public" for floating IP reservations. No match is a
// NotFound error and several matches a Conflict error, both naming what was
// found.
//
// It reads the pages of networks.List as its pager does (from the first, until one is empty
// or links to no next), each decoded once into the two fields it needs: the pager decodes a
// page four times over (to see it is not empty, to merge the pages, to find the next, to
// extract the networks) and encodes it once.
func NetworkIDByName(ctx context.Context, netClient *gophercloud.ServiceClient, name string) (string, error) {
	query, err := networks.ListOpts{Name: name}.ToNetworkListQuery()
	if err != nil {
		return "", err
	}
	var ids []string
	for url := netClient.ServiceURL("networks") + query; url != ""; {
		var page struct {
			Networks []struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"networks"`
			Links []gophercloud.Link `json:"networks_links"`
		}
		resp, err := netClient.Get(ctx, url, &page, &gophercloud.RequestOpts{OkCodes: []int{200, 204, 300}})
		if err != nil {
			return "", ConvertError(err)
		}
		if resp.StatusCode == 204 || len(page.Networks) == 0 {
			break
		}
		// Filter again: a server that ignores ?name= must not make us pick
		// the first network of the project.
		for _, n := range page.Networks {
			if n.Name == name {
				ids = append(ids, n.ID)
			}
		}
		if url, err = gophercloud.ExtractNextURL(page.Links); err != nil {
			return "", err
		}
	}
	return oneNamed(ids, "Neutron network", "network", name)
}

// oneNamed is the one id among ids, the things of kind ("Neutron network") named name:
// NotFound when there is none, Conflict (listing them, asking for the noun's id) when several
// share the name.
func oneNamed(ids []string, kind, noun, name string) (string, error) {
	switch len(ids) {
	case 0:
		return "", &Error{Kind: NotFound, Message: fmt.Sprintf("no %s named %q is visible to this project", kind, name)}
	case 1:
		return ids[0], nil
	}
	slices.Sort(ids)
	return "", &Error{Kind: Conflict, Message: fmt.Sprintf("%d %ss are named %q (%s): use the %s id instead",
		len(ids), kind, name, strings.Join(ids, ", "), noun)}
}

// ReservedFloatingIPs returns the addresses of the Neutron floating IPs
// Blazar created for a virtual:floatingip reservation: those tagged
// "reservation:<reservationID>". They exist only while the lease is active;
// before that the list is empty, not an error.
func ReservedFloatingIPs(ctx context.Context, netClient *gophercloud.ServiceClient, reservationID string) ([]string, error) {
	tag := "reservation:" + reservationID
	page, err := floatingips.List(netClient, floatingips.ListOpts{Tags: tag}).AllPages(ctx)
	if err != nil {
		return nil, ConvertError(err)
	}
	all, err := floatingips.ExtractFloatingIPs(page)
	if err != nil {
		return nil, err
	}
	addrs := []string{}
	for _, f := range all {
		if slices.Contains(f.Tags, tag) {
			addrs = append(addrs, f.FloatingIP)
		}
	}
	slices.Sort(addrs)
	return addrs, nil
}
