# shellcheck shell=bash
# The recipes of issue #16's validation-only search on Yelp, in one place: NAME → the `mvae train`
# options that differ from the default recipe (ALS completion at rank 50, ρ = .04, β = .15,
# 320-320-80, Adam .003 without decay). Sourced by scripts/yelp-search.sh (trains each on
# validation only) and scripts/yelp-table2.sh (runs the chosen ones on the test split).
# shellcheck disable=SC2034  # used by the scripts that source this file
yelp_search_order=(base mask20 mask50 beta05 beta40 wide rank100 decay)
declare -A yelp_recipes=(
  [base]=""
  [mask20]="--mask-ratio 0.2"
  [mask50]="--mask-ratio 0.5"
  [beta05]="--beta 0.05"
  [beta40]="--beta 0.4"
  [wide]="--hidden 600 --latent 200"
  [rank100]="--rank 100"
  [decay]="--lr-decay-every 9 --lr-decay-rate 0.9"
  [mask20-beta40]="--mask-ratio 0.2 --beta 0.4"
  [mask50-wide]="--mask-ratio 0.5 --hidden 600 --latent 200"
  # second round, around the first round's best (rank100): the rank axis, its combination with
  # the decay, and the other completion kind at the same rank
  [rank200]="--rank 200"
  [rank100-decay]="--rank 100 --lr-decay-every 9 --lr-decay-rate 0.9"
  [svd100]="--completion svd --rank 100"
  [rank400]="--rank 400"
)

# The options of recipe $1, the completion named (ALS unless the recipe names another).
yelp_recipe() {
  local options=${yelp_recipes[$1]}
  [[ $options == *--completion* ]] || options="--completion als${options:+ $options}"
  echo "$options"
}
