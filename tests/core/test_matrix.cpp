// Dense matrices, vectors and views on the CPU.
#include <catch2/catch.hpp>

#include "mvae/backend/cpu/cpu_backend.hpp"
#include "mvae/core/matrix.hpp"

using mvae::Cpu;
using mvae::index_t;

TEST_CASE("Matrix resize reuses its allocation when the new shape fits", "[core][matrix]") {
    mvae::Matrix<float, Cpu> m(4, 5);
    REQUIRE(m.rows() == 4);
    REQUIRE(m.cols() == 5);
    REQUIRE(m.capacity() == 20);
    const float* before = m.data();
    m.resize(2, 10);
    REQUIRE(m.data() == before);
    m.resize(3, 3);
    REQUIRE(m.data() == before);
    REQUIRE(m.size() == 9);
    m.resize(5, 5);
    REQUIRE(m.capacity() == 25);
    REQUIRE_THROWS_AS(m.resize(-1, 2), mvae::ShapeError);
}

TEST_CASE("Buffers are 64-byte aligned and copy deeply", "[core][matrix]") {
    mvae::Matrix<double, Cpu> m(3, 7);
    REQUIRE(reinterpret_cast<std::uintptr_t>(m.data()) % 64 == 0);
    for (index_t i = 0; i < 3; ++i)
        for (index_t j = 0; j < 7; ++j) m(i, j) = 10.0 * i + j;
    mvae::Matrix<double, Cpu> copy = m;
    REQUIRE(copy.data() != m.data());
    REQUIRE(copy(2, 6) == 26.0);
    m(2, 6) = -1;
    REQUIRE(copy(2, 6) == 26.0);
}

TEST_CASE("views address row and column blocks of the same storage", "[core][matrix]") {
    mvae::Matrix<float, Cpu> m(4, 6);
    for (index_t i = 0; i < 4; ++i)
        for (index_t j = 0; j < 6; ++j) m(i, j) = float(10 * i + j);
    auto v = m.view();
    auto rows = v.row_block(1, 2);
    REQUIRE(rows.rows() == 2);
    REQUIRE(rows(0, 3) == 13.0f);
    auto block = v.col_block(2, 3).row_block(2, 2);
    REQUIRE(block.rows() == 2);
    REQUIRE(block.cols() == 3);
    REQUIRE(block.stride() == 6);
    REQUIRE_FALSE(block.contiguous());
    REQUIRE(block(1, 2) == 34.0f);
    block(0, 0) = -5.0f;
    REQUIRE(m(2, 2) == -5.0f);
    mvae::MatrixView<const float, Cpu> c = block;  // mutable converts to const
    REQUIRE(c(0, 0) == -5.0f);
    REQUIRE_THROWS_AS(v.row_block(3, 2), mvae::ShapeError);
    REQUIRE_THROWS_AS(v.col_block(-1, 2), mvae::ShapeError);
}

TEST_CASE("vectors and their matrix views", "[core][matrix]") {
    mvae::Vector<float, Cpu> x(5);
    for (index_t i = 0; i < 5; ++i) x[i] = float(i);
    auto row = x.view().as_row();
    REQUIRE(row.rows() == 1);
    REQUIRE(row.cols() == 5);
    REQUIRE(row(0, 4) == 4.0f);
    auto col = x.view().as_col();
    REQUIRE(col.rows() == 5);
    REQUIRE(col(3, 0) == 3.0f);
    REQUIRE(x.view().segment(1, 3)[2] == 3.0f);
    REQUIRE_THROWS_AS(x.view().segment(3, 3), mvae::ShapeError);
}
