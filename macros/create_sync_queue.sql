{#- Creates the state schema and the queue table when missing. Timestamps carry a time zone so
    a worker in any session time zone reads the same instant. -#}
{% macro create_sync_queue(relation) %}
  {% do adapter.create_schema(relation) %}
  {% call statement('spoke_create_sync_queue') %}
    {{ adapter.dispatch('create_sync_queue_sql', 'spoke')(relation) }}
  {% endcall %}
{% endmacro %}

{% macro default__create_sync_queue_sql(relation) %}
  create table if not exists {{ relation }} (
    id varchar not null primary key,
    invocation_id varchar not null,
    unique_id varchar not null,
    model varchar not null,
    relation_name varchar,
    spoke_config varchar not null,
    dbt_target varchar,
    enqueued_at timestamp with time zone not null,
    status varchar not null,
    claimed_at timestamp with time zone,
    claimed_by varchar,
    finished_at timestamp with time zone
  )
{% endmacro %}

{#- Redshift's bare varchar holds only 256 bytes; a model's spoke meta can be much longer. -#}
{% macro redshift__create_sync_queue_sql(relation) %}
  create table if not exists {{ relation }} (
    id varchar(1024) not null primary key,
    invocation_id varchar(64) not null,
    unique_id varchar(1024) not null,
    model varchar(512) not null,
    relation_name varchar(2048),
    spoke_config varchar(65535) not null,
    dbt_target varchar(256),
    enqueued_at timestamptz not null,
    status varchar(32) not null,
    claimed_at timestamptz,
    claimed_by varchar(256),
    finished_at timestamptz
  )
{% endmacro %}
