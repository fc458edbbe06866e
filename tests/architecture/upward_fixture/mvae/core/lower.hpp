// A core header that includes a model header: check_floors must reject it.
#pragma once
#include "mvae/model/upper.hpp"
