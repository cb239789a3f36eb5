//! Integration tests of dal on real databases. The behaviour suite runs once per backend
//! (`postgres::…`, `mysql::…`, `sqlite::…`, and `rusqlite::…` for SQLite on the rusqlite driver); see the `tests` crate for isolation and skipping.

mod cluster;
mod connect_errors;
mod credentials;
mod driver;
mod entities;
mod error_codes;
mod faults;
mod future_sizes;
mod pooler;
mod rusqlite_timeouts;
mod server_specific;
mod session_options;
mod sharding;
mod slow_calls;
mod sql_snapshots;
mod suite;
mod tls;

/// The entity behaviour suite with the queries and transactions under it: instantiated on
/// every backend, and through PgBouncer in transaction pooling mode (dal's
/// `transaction_pooler`). `entity_suite!([head] servers… ; sqlite…)` passes `head`, the list,
/// and the server-only and SQLite-only tests (its own and the given ones) to
/// `tests::behaviour_suite!`.
macro_rules! entity_suite {
    ([$($head:tt)*] $($servers:ident),* $(,)? ; $($sqlite:ident),* $(,)?) => {
        tests::behaviour_suite!($($head)*
            // entities
            save_new_entity_generates_uuid_and_get_reads_it_back,
            save_existing_entity_updates_the_row,
            save_with_preset_uuid_inserts_when_missing,
            database_assigns_integer_ids,
            get_of_missing_id_is_none,
            delete_permanently_removes_only_that_row,
            every_supported_type_round_trips,
            random_values_of_every_type_read_back_equal,
            nan_is_stored_refused_or_null_as_each_backend_does,
            sub_microsecond_times_are_truncated_or_kept,
            ensure_schema_is_idempotent,
            ensure_schema_reports_drift_by_column,
            // versions, soft delete, history
            save_sets_version_and_timestamps_and_writes_history,
            stale_save_is_a_conflict_naming_both_versions,
            unchanged_save_writes_no_version,
            soft_delete_hides_restore_brings_back_and_history_outlives_the_row,
            history_and_at_version_travel_back,
            concurrent_updates_lose_nothing,
            patch_changes_only_the_given_fields,
            as_of_diff_revert_and_purge_history,
            save_all_uses_as_few_statements_as_the_parameter_limit_allows,
            save_all_failing_in_the_middle_leaves_nothing,
            save_all_mixes_inserts_and_updates,
            save_all_gives_database_assigned_ids_in_few_statements,
            // typed queries
            find_filters_orders_and_pages,
            find_combines_conditions,
            find_streams_rows,
            find_skips_soft_deleted_rows_unless_asked,
            filter_values_are_bound_never_spliced,
            raw_filters_that_could_escape_the_soft_delete_check_are_refused,
            a_raw_filter_keeps_the_soft_delete_check,
            // relations
            eager_loading_orders_with_their_customers_takes_two_statements,
            eager_loading_customers_with_their_orders_takes_two_statements,
            two_levels_deep_take_three_statements,
            eager_loading_past_the_parameter_limit_splits_the_keys,
            soft_deleted_relatives_are_left_out_unless_asked,
            relation_filters_are_exists_conditions,
            a_relation_of_a_table_to_itself_loads_and_filters,
            on_delete_restricts_cascades_or_sets_null,
            a_reference_to_a_missing_row_is_a_constraint_error,
            // column types
            newtypes_round_trip_as_columns_and_ids,
            enums_round_trip_and_filter_by_their_values,
            the_check_refuses_a_value_no_variant_is_stored_as,
            an_unknown_stored_value_is_a_decode_error_naming_column_and_value,
            decimal_edge_values_round_trip_exactly,
            sum_of_a_decimal_column_reads_as_a_decimal,
            a_float_reads_as_a_decimal_only_when_it_is_exact,
            decimals_compare_and_sort_by_value,
            a_decimal_past_its_scale_or_precision_is_rounded_refused_or_kept,
            u32_past_its_range_in_the_column_is_a_decode_error,
            times_of_day_keep_microseconds_and_sort,
            typed_json_round_trips_and_a_document_of_another_shape_is_a_decode_error,
            // constraints and indexes
            a_unique_violation_is_a_constraint_error_naming_it,
            a_composite_unique_refuses_only_the_same_combination,
            unique_constraints_cover_soft_deleted_rows_and_skip_history,
            declared_indexes_are_in_the_catalog,
            ensure_schema_reports_a_missing_or_non_unique_index,
            defaults_fill_a_row_inserted_without_those_columns,
            indexed_text_lengths_follow_the_backend,
            // raw queries
            raw_query_rewrites_placeholders_outside_literals,
            wrong_parameter_count_names_both_counts,
            numbered_and_mixed_placeholders_are_refused,
            too_many_parameters_fail_before_anything_is_sent,
            empty_sql_is_a_usage_error,
            syntax_error_is_categorized,
            duplicate_key_is_a_constraint_error,
            tags_reach_the_server_as_a_comment,
            typed_fetch_maps_rows_to_tuples_and_entities,
            streaming_fetch_yields_every_row,
            execute_many_is_all_or_nothing,
            out_of_range_value_gets_its_own_category,
            server_info_names_version_and_driver,
            // transactions
            commit_keeps_the_work,
            rollback_discards_the_work,
            dropped_transaction_rolls_back_before_reuse,
            savepoint_rollback_keeps_the_outer_work,
            repo_runs_inside_a_transaction,
            read_only_transaction_refuses_writes,
            serializable_transaction_commits,
            thousand_transactions_leave_exactly_the_committed_rows,
            endless_durations_mean_no_limit_and_the_pool_still_closes,
            // #[auto_transaction] and sql!
            auto_transaction_commits_on_ok_and_rolls_back_on_err,
            auto_transaction_rolls_back_on_panic,
            auto_transaction_rolls_back_on_cancellation,
            nested_calls_join_or_use_a_savepoint,
            auto_transaction_options_apply,
            sql_macro_runs_compile_time_rewritten_sql,
            a_swallowed_error_of_a_joined_call_keeps_its_work_and_a_savepoint_undoes_it,
            blocking_api_does_the_same_crud,
            null_into_a_non_option_field_is_a_decode_error,
            text_comparison_is_case_sensitive,
            ;
            servers:
            $($servers,)*
            // writers queue on SQLite's lock: there is no conflict to lose
            retry_reruns_a_transaction_that_lost_a_conflict,
            // read back from the server's activity view, which SQLite lacks
            auto_transaction_tags_reach_the_server,
            isolation_level_reaches_the_server,
            ;
            sqlite: $($sqlite),*
        );
    };
}

// Left out of the run through PgBouncer: what tests server sessions (ending them, counting
// prepared statements, session-level timeouts), which that mode does without by design;
// `pooler.rs` tests its timeouts instead.
entity_suite!([pgbouncer:] ;);

// The same suite on SQLite through the rusqlite driver (`dal-rusqlite`, public traits only).
entity_suite!([rusqlite:] ;);

// The same suite once over TLS on each server backend (verify-full against the tests' own CA).
entity_suite!([tls:] ;);

entity_suite!([
    // #[auto_transaction] on service methods: the transaction follows the task
    services_commit_together_and_roll_back_together,
    requires_new_keeps_its_row_when_the_outer_fails,
    mandatory_and_never_check_the_task_transaction,
    another_pools_handle_runs_outside_the_scope,
    spawned_tasks_join_only_when_asked,
    blocking_services_share_the_thread_transaction,
    // observability
    the_scaling_signal_follows_the_timeout_rate,
    slow_queries_are_kept_by_fingerprint_with_their_tags,
    statement_cache_counts_match_known_repeats,
    the_cache_off_mode_keeps_nothing_prepared_on_the_server,
    errors_are_counted_by_category,
    the_pool_opens_connections_ahead_of_rising_demand,
    // resilience
    pool_query_timeout_applies_to_every_statement,
    transaction_budget_stops_its_statements_on_the_server,
    soft_limit_counts_slow_queries,
    constraint_errors_never_open_the_pool_breaker,
    timeouts_open_the_pool_breaker_and_it_recovers,
    a_full_waiting_line_sheds_at_once,
    a_spent_rate_limit_sheds,
    bulk_work_leaves_room_for_normal_work,
    the_pool_reopens_connections_down_to_its_minimum,
    futures_dropped_at_every_await_point_leave_no_transaction_open,
    a_cancellation_storm_loses_and_leaks_nothing,
    // pools
    connection_guard_returns_to_the_pool_on_drop,
    equal_configs_share_one_pool,
    closed_pool_refuses_new_work,
    // connection layer
    waiters_are_served_in_arrival_order,
    no_starvation_with_100_tasks_on_10_connections,
    close_waits_for_a_transaction_that_finishes_in_time,
    close_forces_a_transaction_that_does_not_finish,
    health_check_reports_each_pool,
    min_connections_are_opened_at_connect,
    manager_close_pool_unregisters_it,
    acquire_past_the_timeout_is_a_counted_pool_timeout,
    metrics_count_a_known_workload,
    leak_report_names_where_the_connection_was_acquired,
    blocking_api_refuses_inside_an_async_runtime,
    named_breakers_are_shared_by_name_and_open_on_their_own_failures,
]
    // servers only: a statement to see in the activity view, a session to end or tell apart
    query_timeout_returns_after_the_server_stopped_the_statement,
    idle_connection_ended_on_the_server_is_replaced,
    idle_and_old_connections_are_replaced,
    // two writers at once, which SQLite's single write lock serialises into a wait
    a_scope_on_another_pool_leaves_the_enclosing_one_joined,
    ;
    // SQLite only: its statement is stopped by the progress handler
    sqlite_query_timeout_interrupts_the_statement,
);
