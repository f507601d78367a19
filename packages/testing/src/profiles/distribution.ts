import * as Profile from "../Profile.js"

/**
 * The spec as the CNCF registry implements it: accounts pull everything and
 * list the catalog; like distribution 2.8, an OCI index only for an `Accept`
 * that names its type.
 *
 * @since 0.2.0
 * @category profiles
 */
export const distribution: Profile.Profile = Profile.make({ name: "distribution", accounts: "pullAll", negotiateIndex: true })
