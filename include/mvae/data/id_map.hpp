// mvae/data/id_map.hpp — IdMap: external ids (strings) to dense 0-based indices.
//
// Loaders of files whose user and item ids are arbitrary labels (MovieLens, generic delimited
// files) number the labels 0, 1, 2, … in order of first appearance and keep the IdMap so that
// results can be reported with the original labels.
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/core/types.hpp"

namespace mvae {

/**
 * A bijection between external ids and the dense indices 0 … size() − 1, assigned in order of
 * first insertion.
 *
 * @code
 * IdMap users;
 * users.insert("alice");   // 0
 * users.insert("bob");     // 1
 * users.insert("alice");   // 0 again
 * users.id_of(1);          // "bob"
 * @endcode
 */
class IdMap {
public:
    IdMap() = default;

    /// The index of `id`, adding it with the next free index when it is new.
    /// Throws Error when the map already holds the largest number of ids an index_t can count.
    index_t insert(std::string_view id) {
        if (const auto it = index_.find(id); it != index_.end()) return it->second;
        if (ids_.size() >= std::size_t(std::numeric_limits<index_t>::max()))
            throw Error(detail::error_message("IdMap: more than ", std::numeric_limits<index_t>::max(), " ids"));
        const auto index = index_t(ids_.size());
        ids_.emplace_back(id);
        try {
            index_.emplace(ids_.back(), index);
        } catch (...) {
            ids_.pop_back();  // keep ids_ and index_ in step
            throw;
        }
        return index;
    }

    /// The index of `id`, or nothing when it is not in the map.
    [[nodiscard]] std::optional<index_t> find(std::string_view id) const {
        if (const auto it = index_.find(id); it != index_.end()) return it->second;
        return std::nullopt;
    }

    /// The index of `id`; throws ArgumentError naming the id when it is not in the map.
    [[nodiscard]] index_t index_of(std::string_view id) const {
        const auto index = find(id);
        require_argument(index.has_value(), "IdMap: unknown id '", id, "'");
        return *index;
    }

    /// Whether `id` is in the map.
    [[nodiscard]] bool contains(std::string_view id) const { return index_.find(id) != index_.end(); }

    /// The external id of `index`; throws ArgumentError when index is not in [0, size()).
    [[nodiscard]] const std::string& id_of(index_t index) const {
        require_argument(index >= 0 && std::size_t(index) < ids_.size(), "IdMap: index ", index,
                         " is outside [0, ", ids_.size(), ")");
        return ids_[std::size_t(index)];
    }

    /// The number of ids.
    [[nodiscard]] index_t size() const noexcept { return index_t(ids_.size()); }
    [[nodiscard]] bool empty() const noexcept { return ids_.empty(); }

    /// All ids, ids()[k] being the id of index k.
    [[nodiscard]] std::span<const std::string> ids() const noexcept { return ids_; }

    /// Reserves room for `n` ids.
    void reserve(std::size_t n) {
        ids_.reserve(n);
        index_.reserve(n);
    }

    friend bool operator==(const IdMap& a, const IdMap& b) { return a.ids_ == b.ids_; }

private:
    // Transparent hashing lets the loaders look up string_views without building a std::string.
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };

    // Keys own copies of the ids (not views into ids_, whose strings move when the vector grows).
    std::vector<std::string> ids_;
    std::unordered_map<std::string, index_t, Hash, std::equal_to<>> index_;
};

}  // namespace mvae
